// RFC 3550 §6.4.1 — the header every RTCP packet starts with (RC is "SC" in SDES/BYE,
// "subtype" in APP and "FMT" in RFC 4585 feedback messages).
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |V=2|P|    RC   |      PT       |             length            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   length: the packet's length in 32-bit words minus one, header and padding included.
//   P: the last octet of the packet counts the padding octets, itself included.

/// RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1).
public enum RTCPPacketType {
    /// Sender report.
    public static let senderReport: UInt8 = 200
    /// Receiver report.
    public static let receiverReport: UInt8 = 201
    /// Source description.
    public static let sourceDescription: UInt8 = 202
    /// Goodbye.
    public static let goodbye: UInt8 = 203
    /// Application-defined.
    public static let applicationDefined: UInt8 = 204
    /// Transport-layer feedback (RFC 4585 §6.2).
    public static let transportFeedback: UInt8 = 205
    /// Payload-specific feedback (RFC 4585 §6.3).
    public static let payloadSpecificFeedback: UInt8 = 206
}

/// The 4-byte header of one RTCP packet inside a compound packet, with its byte ranges.
public struct RTCPCommonHeader: Sendable, Equatable {
    /// The size of the common header.
    public static let size = 4

    /// P bit: the packet ends with padding, excluded from `bodyRange`.
    public var hasPadding: Bool
    /// The 5-bit count field: RC, SC, APP subtype or feedback FMT depending on `packetType`.
    public var count: UInt8
    /// PT: the packet type (see `RTCPPacketType`).
    public var packetType: UInt8
    /// The whole packet within the buffer: header, body and padding.
    public var packetRange: Range<Int>
    /// The bytes after the 4-byte header, padding excluded.
    public var bodyRange: Range<Int>

    /// Parses the header of the RTCP packet that starts at `offset` in `buffer`.
    ///
    /// Returns nil when the version is not 2, the length runs past the buffer, or the padding count
    /// is zero or larger than the body.
    public init?(parsing buffer: UnsafeRawBufferPointer, at offset: Int) {
        guard let first = buffer.uint8(at: offset), first >> 6 == 2,
              let packetType = buffer.uint8(at: offset &+ 1),
              let words = buffer.uint16(at: offset &+ 2)
        else { return nil }
        let size = (Int(words) + 1) * 4
        guard size <= buffer.count - offset else { return nil }
        let end = offset + size
        var bodyEnd = end
        let hasPadding = first & 0x20 != 0
        if hasPadding {
            guard let paddingCount = buffer.uint8(at: end - 1), paddingCount > 0,
                  Int(paddingCount) <= size - Self.size
            else { return nil }
            bodyEnd = end - Int(paddingCount)
        }
        self.hasPadding = hasPadding
        self.count = first & 0x1F
        self.packetType = packetType
        self.packetRange = offset..<end
        self.bodyRange = (offset + Self.size)..<bodyEnd
    }

    /// The number of bytes in the body, padding excluded.
    public var bodyLength: Int {
        bodyRange.count
    }
}

extension UnsafeMutableRawBufferPointer {
    // Writes an RTCP common header for a packet of `size` bytes (a multiple of 4, no padding).
    func storeRTCPHeader(count: UInt8, packetType: UInt8, size: Int) {
        store(0x80 | (count & 0x1F), at: 0)
        store(packetType, at: 1)
        store(UInt16(truncatingIfNeeded: size / 4 - 1), at: 2)
    }
}

// The largest RTCP packet the 16-bit length field can describe.
let rtcpMaximumPacketSize = (Int(UInt16.max) + 1) * 4
