// RFC 3550 §6.6 — BYE: Goodbye RTCP Packet.
//
//        0                   1                   2                   3
//        0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       |V=2|P|    SC   |   PT=BYE=203  |             length            |
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       |                           SSRC/CSRC                           |
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       :                              ...                              :
//       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// (opt) |     length    |               reason for leaving            ...
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// A view of an RTCP BYE (RFC 3550 §6.6): the sources leaving and an optional reason.
public struct RTCPGoodbye: Sendable, Equatable {
    /// The SC sources leaving.
    public var sources: RTCPWireList<UInt32>
    /// The reason text (UTF-8) within the buffer, or nil when none is given.
    public var reasonRange: Range<Int>?

    /// Parses the BYE whose common header is `header`; nil when the SSRC list or the reason overruns the packet.
    public init?(_ header: RTCPCommonHeader, in buffer: UnsafeRawBufferPointer) {
        let body = header.bodyRange
        guard header.packetType == RTCPPacketType.goodbye, buffer.contains(body) else { return nil }
        let listEnd = body.lowerBound + 4 * Int(header.count)
        guard listEnd <= body.upperBound else { return nil }
        var reasonRange: Range<Int>?
        if listEnd < body.upperBound, let length = buffer.uint8(at: listEnd) {
            let reasonEnd = listEnd + 1 + Int(length)
            guard reasonEnd <= body.upperBound else { return nil }
            reasonRange = (listEnd + 1)..<reasonEnd
        }
        self.sources = RTCPWireList(startOffset: body.lowerBound, count: Int(header.count))
        self.reasonRange = reasonRange
    }
}

/// Writes an RTCP BYE for up to 31 sources, with an optional reason of at most 255 UTF-8 bytes.
public struct RTCPGoodbyeWriter<Sources: Collection> where Sources.Element == UInt32 {
    /// The sources leaving (at most 31).
    public var sources: Sources
    /// Why they leave; nil writes no reason.
    public var reason: String?

    /// A BYE packet.
    public init(sources: Sources, reason: String? = nil) {
        self.sources = sources
        self.reason = reason
    }

    /// Header, 4 bytes per source, and the reason's length octet and text padded to 32 bits.
    public var encodedSize: Int {
        let reasonLength = reason.map { ($0.utf8.count + 1 + 3) & ~3 } ?? 0
        return RTCPCommonHeader.size + 4 * sources.count + reasonLength
    }

    /// Writes the packet at the start of `buffer`; nil when it is too small, there are more than 31
    /// sources, or the reason exceeds 255 bytes.
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let size = encodedSize
        let sourceCount = sources.count
        guard sourceCount <= 31, (reason?.utf8.count ?? 0) <= 255, buffer.count >= size else { return nil }
        buffer.storeRTCPHeader(count: UInt8(sourceCount), packetType: RTCPPacketType.goodbye, size: size)
        guard var offset = writeElements(sources, into: buffer, at: 4).map({ $0 + 4 }) else { return nil }
        if let reason {
            buffer.store(UInt8(truncatingIfNeeded: reason.utf8.count), at: offset)
            offset += 1
            for byte in reason.utf8 {
                buffer.store(byte, at: offset)
                offset += 1
            }
            buffer.storeZeros(at: offset, count: size - offset)
        }
        return size
    }
}

extension RTCPGoodbyeWriter: Sendable where Sources: Sendable {}
