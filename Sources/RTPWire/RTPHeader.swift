// RFC 3550 §5.1 — RTP fixed header fields; §5.3.1 — header extension.
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
// |                             ....                              |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |      defined by profile       |           length              |  (X = 1)
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                        header extension                       |
// |                             ....                              |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                            payload ...                        |
// |                               +-------------------------------+
// |                               | padding ...   | padding count |  (P = 1)
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// RTP fixed header + extension info, parsed from a packet (RFC 3550 §5.1). No allocation.
///
/// Byte ranges are offsets into the buffer the header was parsed from; the accessors
/// (`csrc(_:in:)`, `extensionElement(id:in:)`, `audioLevel(extensionID:in:)`) take that buffer again.
public struct RTPHeader: Sendable, Equatable {
    /// The size of the fixed header, without CSRCs or extension.
    public static let fixedSize = 12

    /// P bit: the packet ends with padding, excluded from `payloadRange` (RFC 3550 §5.1).
    public var hasPadding: Bool
    /// M bit: profile-defined marker, e.g. the first packet of a talkspurt or the last of a video frame.
    public var marker: Bool
    /// PT: the 7-bit payload type.
    public var payloadType: UInt8
    /// The 16-bit sequence number.
    public var sequenceNumber: UInt16
    /// The media timestamp in the payload's clock units.
    public var timestamp: UInt32
    /// The synchronization source.
    public var ssrc: UInt32
    /// CC: the number of CSRC identifiers (0...15) that follow the fixed header.
    public var csrcCount: Int
    /// The 16-bit "defined by profile" field of the header extension; nil when X = 0.
    /// 0xBEDE is the RFC 8285 one-byte form, 0x1000...0x100F the two-byte form.
    public var extensionProfile: UInt16?
    /// Byte offsets of the extension data (after the 4-byte extension header) within the packet; empty if none.
    public var extensionRange: Range<Int>
    /// Byte offsets of the payload within the packet, padding excluded.
    public var payloadRange: Range<Int>

    /// Parses the header of an RTP packet.
    ///
    /// Returns nil when the version is not 2, the packet is shorter than its fixed header,
    /// CSRC list or extension, or the padding count is zero or larger than what follows the header.
    public init?(parsing packet: UnsafeRawBufferPointer) {
        guard case .success(let header) = Self.parse(packet) else { return nil }
        self = header
    }

    /// Parses the header of an RTP packet, or says what is wrong with it (no allocation either way).
    public static func parse(_ packet: UnsafeRawBufferPointer) -> Result<RTPHeader, RTPParseError> {
        let length = packet.count
        guard length >= Self.fixedSize, let first = packet.uint8(at: 0), let second = packet.uint8(at: 1),
              let sequenceNumber = packet.uint16(at: 2), let timestamp = packet.uint32(at: 4), let ssrc = packet.uint32(at: 8)
        else { return .failure(.tooShort) }
        guard first >> 6 == 2 else { return .failure(.badVersion) }

        let csrcCount = Int(first & 0x0F)
        var offset = Self.fixedSize + 4 * csrcCount
        guard offset <= length else { return .failure(.csrcOverrun) }

        var extensionProfile: UInt16?
        var extensionRange = offset..<offset
        if first & 0x10 != 0 {
            guard let profile = packet.uint16(at: offset),
                  let words = packet.uint16(at: offset + 2)
            else { return .failure(.extensionOverrun) }
            let dataStart = offset + 4
            let dataEnd = dataStart + 4 * Int(words)
            guard dataEnd <= length else { return .failure(.extensionOverrun) }
            extensionProfile = profile
            extensionRange = dataStart..<dataEnd
            offset = dataEnd
        }

        var payloadEnd = length
        let hasPadding = first & 0x20 != 0
        if hasPadding {
            // RFC 3550 §5.1: the count includes itself, so zero is malformed.
            guard let paddingCount = packet.uint8(at: length - 1),
                  paddingCount > 0, Int(paddingCount) <= length - offset
            else { return .failure(.badPadding) }
            payloadEnd = length - Int(paddingCount)
        }
        return .success(RTPHeader(
            hasPadding: hasPadding, marker: second & 0x80 != 0, payloadType: second & 0x7F, sequenceNumber: sequenceNumber,
            timestamp: timestamp, ssrc: ssrc, csrcCount: csrcCount, extensionProfile: extensionProfile,
            extensionRange: extensionRange, payloadRange: offset..<payloadEnd))
    }

    private init(
        hasPadding: Bool, marker: Bool, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32, csrcCount: Int,
        extensionProfile: UInt16?, extensionRange: Range<Int>, payloadRange: Range<Int>
    ) {
        self.hasPadding = hasPadding
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcCount = csrcCount
        self.extensionProfile = extensionProfile
        self.extensionRange = extensionRange
        self.payloadRange = payloadRange
    }

    /// The CSRC identifier at `index` (0..<csrcCount), or nil when out of range or beyond `packet`.
    public func csrc(_ index: Int, in packet: UnsafeRawBufferPointer) -> UInt32? {
        guard index >= 0, index < csrcCount, csrcCount <= 15 else { return nil }
        return packet.uint32(at: Self.fixedSize + 4 * index)
    }
}
