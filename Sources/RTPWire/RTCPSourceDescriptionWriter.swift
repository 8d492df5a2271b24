// RFC 3550 §6.5 — SDES, written as one chunk carrying a CNAME item (§6.5.1), the only item
// RFC 3550 requires in every compound packet.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |V=2|P|  SC=1   |  PT=SDES=202  |             length            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                              SSRC                             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |    CNAME=1    |     length    | user and domain name        ...
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ...             |  0 (end) ... up to the next 32-bit boundary   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// Writes an RTCP SDES packet with one chunk: `ssrc` and its CNAME.
public struct RTCPSourceDescriptionWriter: Sendable {
    /// The source described.
    public var ssrc: UInt32
    /// The canonical name, at most 255 UTF-8 bytes.
    public var cname: String

    /// An SDES packet for one source.
    public init(ssrc: UInt32, cname: String) {
        self.ssrc = ssrc
        self.cname = cname
    }

    /// Header, SSRC, the CNAME item and 1...4 null octets to the next 32-bit boundary.
    public var encodedSize: Int {
        RTCPCommonHeader.size + 4 + Self.paddedItemsLength(cname.utf8.count)
    }

    /// Writes the packet at the start of `buffer`; nil when it is too small or the CNAME exceeds 255 bytes.
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let nameLength = cname.utf8.count
        let size = encodedSize
        guard nameLength <= 255, buffer.count >= size else { return nil }
        buffer.storeRTCPHeader(count: 1, packetType: RTCPPacketType.sourceDescription, size: size)
        buffer.store(ssrc, at: 4)
        buffer.store(RTCPSDESItemType.cname, at: 8)
        buffer.store(UInt8(truncatingIfNeeded: nameLength), at: 9)
        var offset = 10
        for byte in cname.utf8 {
            buffer.store(byte, at: offset)
            offset += 1
        }
        buffer.storeZeros(at: offset, count: size - offset)
        return size
    }

    // Type, length and text, then at least one null octet, rounded up to a multiple of 4.
    static func paddedItemsLength(_ textLength: Int) -> Int {
        (2 + textLength + 4) & ~3
    }
}
