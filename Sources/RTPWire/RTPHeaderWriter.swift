// RFC 3550 §5.1 — RTP fixed header, written with optional CSRCs and an optional
// RFC 6464 audio level in the RFC 8285 one-byte extension form:
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                           timestamp                           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           synchronization source (SSRC) identifier            |
// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// |            contributing source (CSRC) identifiers             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |      0xBE     |      0xDE     |           length=1            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  ID   | len=0 |V|   level     |    0 (pad)    |    0 (pad)    |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// Writes an RTP header (with optional CSRCs and an optional one-byte-form RFC 6464 audio level extension).
///
/// The payload is the caller's: write it at the returned offset. Padding is never written.
public struct RTPHeaderWriter: Sendable {
    /// M bit.
    public var marker: Bool
    /// PT: the payload type; only the low 7 bits are written.
    public var payloadType: UInt8
    /// The sequence number.
    public var sequenceNumber: UInt16
    /// The media timestamp.
    public var timestamp: UInt32
    /// The synchronization source.
    public var ssrc: UInt32
    /// Contributing sources (at most 15), e.g. the speakers in a mix. Empty by default; an empty array
    /// does not allocate, and `removeAll(keepingCapacity: true)` keeps reuse allocation-free.
    public var csrcs: [UInt32]
    /// When set, an RFC 6464 audio level element is written in a one-byte-form extension.
    public var audioLevel: AudioLevel?
    /// The RFC 8285 local identifier negotiated for the audio level (1...14; default 1).
    public var audioLevelExtensionID: UInt8

    /// A header with no CSRCs and no extension.
    public init(payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32, marker: Bool = false) {
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = []
        self.audioLevel = nil
        self.audioLevelExtensionID = 1
    }

    /// The number of bytes `write(into:)` writes: 12, plus 4 per CSRC, plus 8 with an audio level.
    public var encodedSize: Int {
        RTPHeader.fixedSize + 4 * csrcs.count + (audioLevel == nil ? 0 : 8)
    }

    /// Writes the header at the start of `buffer` and returns its size (the payload's offset).
    ///
    /// Returns nil when the buffer is smaller than `encodedSize`, there are more than 15 CSRCs,
    /// or an audio level is set with an `audioLevelExtensionID` outside 1...14.
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let size = encodedSize
        guard buffer.count >= size, csrcs.count <= 15 else { return nil }
        if audioLevel != nil, !(1...14).contains(audioLevelExtensionID) { return nil }

        let extensionBit: UInt8 = audioLevel == nil ? 0 : 0x10
        buffer.store(0x80 | extensionBit | UInt8(truncatingIfNeeded: csrcs.count), at: 0)
        buffer.store((marker ? 0x80 : 0) | (payloadType & 0x7F), at: 1)
        buffer.store(sequenceNumber, at: 2)
        buffer.store(timestamp, at: 4)
        buffer.store(ssrc, at: 8)
        var offset = RTPHeader.fixedSize
        for csrc in csrcs {
            buffer.store(csrc, at: offset)
            offset += 4
        }
        if let audioLevel {
            buffer.store(RTPHeader.oneByteExtensionProfile, at: offset)
            buffer.store(UInt16(1), at: offset + 2)
            buffer.store(audioLevelExtensionID << 4, at: offset + 4)
            buffer.store(audioLevel.wireByte, at: offset + 5)
            buffer.storeZeros(at: offset + 6, count: 2)
            offset += 8
        }
        return offset
    }
}
