// RFC 5104 §4.3.1 — Full Intra Request (PSFB, PT = 206, FMT = 4).
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |V=2|P|  FMT=4  |    PT=206     |          length               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                  SSRC of packet sender                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |             SSRC of media source (unused, SHALL be 0)         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                              SSRC                             |  FCI entry,
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  one or more
// | Seq nr.       |    Reserved (0)                               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// One FIR FCI entry (RFC 5104 §4.3.1.1): the stream asked for a decoder refresh, and the request's number.
public struct RTCPFIREntry: Sendable, Equatable, Hashable {
    /// The SSRC of the media sender asked for a refresh point.
    public var ssrc: UInt32
    /// The command sequence number, incremented by one (mod 256) for each new request.
    public var sequenceNumber: UInt8

    /// A FIR entry.
    public init(ssrc: UInt32, sequenceNumber: UInt8) {
        self.ssrc = ssrc
        self.sequenceNumber = sequenceNumber
    }
}

extension RTCPFIREntry: RTCPWireElement {
    /// 8 bytes.
    public static var wireSize: Int { 8 }

    /// Reads an entry at `offset`; the reserved bits are ignored.
    public init?(parsing buffer: UnsafeRawBufferPointer, at offset: Int) {
        guard let ssrc = buffer.uint32(at: offset), let sequence = buffer.uint8(at: offset &+ 4),
              buffer.uint24(at: offset &+ 5) != nil
        else { return nil }
        self.ssrc = ssrc
        self.sequenceNumber = sequence
    }

    /// Writes the entry at `offset` with the reserved bits zero.
    public func write(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int? {
        guard offset >= 0, buffer.count >= 8, offset <= buffer.count - 8 else { return nil }
        buffer.store(ssrc, at: offset)
        buffer.store(sequenceNumber, at: offset + 4)
        buffer.storeZeros(at: offset + 5, count: 3)
        return 8
    }
}

/// A view of a full intra request (RFC 5104 §4.3.1).
public struct RTCPFullIntraRequest: Sendable, Equatable {
    /// The SSRC of the receiver sending the FIR.
    public var senderSSRC: UInt32
    /// The media source field; RFC 5104 says it SHALL be 0 (the entries name the streams).
    public var mediaSSRC: UInt32
    /// The FCI entries (at least one).
    public var entries: RTCPWireList<RTCPFIREntry>

    /// Parses the FIR whose common header is `header`; nil unless it is PSFB FMT 4 with at least one entry.
    /// A trailing partial entry is ignored.
    public init?(_ header: RTCPCommonHeader, in buffer: UnsafeRawBufferPointer) {
        guard let feedback = RTCPFeedbackHeader(
            header, packetType: RTCPPacketType.payloadSpecificFeedback,
            format: RTCPFeedbackFormat.fullIntraRequest, in: buffer),
            feedback.fciRange.count >= RTCPFIREntry.wireSize
        else { return nil }
        self.senderSSRC = feedback.senderSSRC
        self.mediaSSRC = feedback.mediaSSRC
        self.entries = RTCPWireList(
            startOffset: feedback.fciRange.lowerBound, count: feedback.fciRange.count / RTCPFIREntry.wireSize)
    }

    /// The entry addressed to `ssrc`, or nil.
    public func entry(for ssrc: UInt32, in buffer: UnsafeRawBufferPointer) -> RTCPFIREntry? {
        for entry in entries.elements(in: buffer) where entry.ssrc == ssrc {
            return entry
        }
        return nil
    }
}

/// Writes a full intra request with entries from a caller's collection; the media source field is 0.
public struct RTCPFullIntraRequestWriter<Entries: Collection> where Entries.Element == RTCPFIREntry {
    /// The SSRC of the receiver sending the FIR.
    public var senderSSRC: UInt32
    /// The streams asked for a refresh point, with their request numbers.
    public var entries: Entries

    /// A FIR.
    public init(senderSSRC: UInt32, entries: Entries) {
        self.senderSSRC = senderSSRC
        self.entries = entries
    }

    /// 12 bytes plus 8 per entry.
    public var encodedSize: Int {
        RTCPFeedbackHeader.size + RTCPFIREntry.wireSize * entries.count
    }

    /// Writes the packet at the start of `buffer`; nil when it is too small, there is no entry, or too many.
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let size = encodedSize
        guard !entries.isEmpty, size <= rtcpMaximumPacketSize, buffer.count >= size else { return nil }
        buffer.storeRTCPFeedbackHeader(
            format: RTCPFeedbackFormat.fullIntraRequest, packetType: RTCPPacketType.payloadSpecificFeedback,
            size: size, sender: senderSSRC, media: 0)
        guard writeElements(entries, into: buffer, at: RTCPFeedbackHeader.size) != nil else { return nil }
        return size
    }
}

extension RTCPFullIntraRequestWriter: Sendable where Entries: Sendable {}
