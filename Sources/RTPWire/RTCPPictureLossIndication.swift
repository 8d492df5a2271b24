// RFC 4585 §6.3.1 — Picture Loss Indication (PSFB, PT = 206, FMT = 1). No FCI.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |V=2|P|  FMT=1  |    PT=206     |          length=2             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                  SSRC of packet sender                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                  SSRC of media source                         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// A picture loss indication (RFC 4585 §6.3.1): the receiver asks the media source for a keyframe.
/// It is both the parsed view and the writer.
public struct RTCPPictureLossIndication: Sendable, Equatable, Hashable {
    /// The SSRC of the receiver sending the PLI.
    public var senderSSRC: UInt32
    /// The SSRC of the video stream that should send a keyframe.
    public var mediaSSRC: UInt32

    /// A PLI.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
    }

    /// Parses the PLI whose common header is `header`; nil unless it is PSFB FMT 1 with both SSRCs.
    /// Any FCI bytes (there should be none) are ignored.
    public init?(_ header: RTCPCommonHeader, in buffer: UnsafeRawBufferPointer) {
        guard let feedback = RTCPFeedbackHeader(
            header, packetType: RTCPPacketType.payloadSpecificFeedback,
            format: RTCPFeedbackFormat.pictureLossIndication, in: buffer)
        else { return nil }
        self.senderSSRC = feedback.senderSSRC
        self.mediaSSRC = feedback.mediaSSRC
    }

    /// 12 bytes.
    public var encodedSize: Int {
        RTCPFeedbackHeader.size
    }

    /// Writes the packet at the start of `buffer`; nil when it is smaller than 12 bytes.
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let size = encodedSize
        guard buffer.count >= size else { return nil }
        buffer.storeRTCPFeedbackHeader(
            format: RTCPFeedbackFormat.pictureLossIndication, packetType: RTCPPacketType.payloadSpecificFeedback,
            size: size, sender: senderSSRC, media: mediaSSRC)
        return size
    }
}
