// RFC 4585 §6.1 — Common Packet Format for Feedback Messages (RTPFB = 205, PSFB = 206).
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |V=2|P|   FMT   |       PT      |          length               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                  SSRC of packet sender                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                  SSRC of media source                         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// :            Feedback Control Information (FCI)                 :
// :                                                               :

/// Feedback message types (the FMT field) handled by this module.
public enum RTCPFeedbackFormat {
    /// RTPFB FMT 1: generic NACK (RFC 4585 §6.2.1).
    public static let genericNACK: UInt8 = 1
    /// PSFB FMT 1: picture loss indication (RFC 4585 §6.3.1).
    public static let pictureLossIndication: UInt8 = 1
    /// PSFB FMT 4: full intra request (RFC 5104 §4.3.1).
    public static let fullIntraRequest: UInt8 = 4
}

/// The two SSRCs every RTCP feedback message carries, and where its FCI lies.
struct RTCPFeedbackHeader {
    static let size = 12

    var senderSSRC: UInt32
    var mediaSSRC: UInt32
    var fciRange: Range<Int>

    // Nil unless `header` is a feedback packet of `packetType`/`format` with both SSRCs present.
    init?(_ header: RTCPCommonHeader, packetType: UInt8, format: UInt8, in buffer: UnsafeRawBufferPointer) {
        let body = header.bodyRange
        guard header.packetType == packetType, header.count == format, buffer.contains(body),
              body.count >= 8,
              let sender = buffer.uint32(at: body.lowerBound),
              let media = buffer.uint32(at: body.lowerBound + 4)
        else { return nil }
        self.senderSSRC = sender
        self.mediaSSRC = media
        self.fciRange = (body.lowerBound + 8)..<body.upperBound
    }
}

extension UnsafeMutableRawBufferPointer {
    // Writes the common header and both SSRCs of a feedback message of `size` bytes.
    func storeRTCPFeedbackHeader(format: UInt8, packetType: UInt8, size: Int, sender: UInt32, media: UInt32) {
        storeRTCPHeader(count: format, packetType: packetType, size: size)
        store(sender, at: 4)
        store(media, at: 8)
    }
}
