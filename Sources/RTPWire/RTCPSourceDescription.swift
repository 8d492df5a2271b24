// RFC 3550 §6.5 — SDES: Source Description RTCP Packet.
//
//         0                   1                   2                   3
//         0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// header |V=2|P|    SC   |  PT=SDES=202  |             length            |
//        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// chunk  |                          SSRC/CSRC_1                          |
//   1    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//        |                           SDES items                          |
//        |                              ...                              |
//        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// chunk  |                          SSRC/CSRC_2                          |
//   2    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//        |                           SDES items                          |
//        |                              ...                              |
//        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//
// Each item (§6.5.1, CNAME shown):
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |    CNAME=1    |     length    | user and domain name        ...
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// A chunk's item list ends with one or more null octets (item type 0), up to the next 32-bit boundary.

/// SDES item types (RFC 3550 §6.5).
public enum RTCPSDESItemType {
    /// End of a chunk's item list.
    public static let end: UInt8 = 0
    /// Canonical end-point identifier.
    public static let cname: UInt8 = 1
    /// User name.
    public static let name: UInt8 = 2
    /// Electronic mail address.
    public static let email: UInt8 = 3
    /// Phone number.
    public static let phone: UInt8 = 4
    /// Geographic user location.
    public static let location: UInt8 = 5
    /// Application or tool name.
    public static let tool: UInt8 = 6
    /// Notice/status.
    public static let note: UInt8 = 7
    /// Private extensions.
    public static let privateExtension: UInt8 = 8
}

/// One SDES item: its type and the byte range of its text.
public struct RTCPSDESItem: Sendable, Equatable {
    /// The item type (see `RTCPSDESItemType`).
    public var type: UInt8
    /// The item's text (UTF-8 for CNAME and friends) within the buffer.
    public var valueRange: Range<Int>
}

/// One SDES chunk: a source and the byte range of its item list (terminating nulls excluded).
public struct RTCPSDESChunk: Sendable, Equatable {
    /// The SSRC or CSRC described.
    public var ssrc: UInt32
    /// The items, from the first type octet to the end of the last item's text.
    public var itemsRange: Range<Int>

    /// The items in order, read from `buffer`.
    public func items(in buffer: UnsafeRawBufferPointer) -> RTCPSDESItemIterator {
        RTCPSDESItemIterator(buffer: buffer, range: itemsRange)
    }

    /// The first item of `type`, or nil.
    public func item(_ type: UInt8, in buffer: UnsafeRawBufferPointer) -> RTCPSDESItem? {
        for item in items(in: buffer) where item.type == type {
            return item
        }
        return nil
    }
}

/// Iterates the items of one SDES chunk; stops at the end of the list or at an item that overruns it.
public struct RTCPSDESItemIterator: IteratorProtocol, Sequence {
    private let buffer: UnsafeRawBufferPointer
    private let end: Int
    private var offset: Int

    init(buffer: UnsafeRawBufferPointer, range: Range<Int>) {
        self.buffer = buffer
        self.end = Swift.min(range.upperBound, buffer.count)
        self.offset = range.lowerBound
    }

    /// The next item, or nil at the end.
    public mutating func next() -> RTCPSDESItem? {
        guard offset < end, let type = buffer.uint8(at: offset), type != RTCPSDESItemType.end,
              let length = buffer.uint8(at: offset + 1)
        else { return nil }
        let valueStart = offset + 2
        let valueEnd = valueStart + Int(length)
        guard valueEnd <= end else { return nil }
        offset = valueEnd
        return RTCPSDESItem(type: type, valueRange: valueStart..<valueEnd)
    }
}

/// A view of an RTCP source description (RFC 3550 §6.5). Every chunk is checked when parsed.
public struct RTCPSourceDescription: Sendable, Equatable {
    /// SC: the number of chunks.
    public var chunkCount: Int
    /// The chunks, from the first SSRC to the end of the last chunk's padding.
    public var chunksRange: Range<Int>

    /// Parses the SDES whose common header is `header`; nil when a chunk or item overruns the packet,
    /// a chunk's item list is not null-terminated within it, or there are fewer chunks than SC.
    public init?(_ header: RTCPCommonHeader, in buffer: UnsafeRawBufferPointer) {
        let body = header.bodyRange
        guard header.packetType == RTCPPacketType.sourceDescription, buffer.contains(body) else { return nil }
        var offset = body.lowerBound
        for _ in 0..<Int(header.count) {
            guard let end = Self.chunkEnd(at: offset, bodyStart: body.lowerBound, limit: body.upperBound, in: buffer)
            else { return nil }
            offset = end
        }
        self.chunkCount = Int(header.count)
        self.chunksRange = body.lowerBound..<offset
    }

    /// The chunks in order, read from `buffer`.
    public func chunks(in buffer: UnsafeRawBufferPointer) -> RTCPSDESChunkIterator {
        RTCPSDESChunkIterator(buffer: buffer, range: chunksRange, count: chunkCount)
    }

    /// The CNAME text of the chunk for `ssrc` (or of the first chunk when `ssrc` is nil), or nil.
    public func cname(for ssrc: UInt32? = nil, in buffer: UnsafeRawBufferPointer) -> Range<Int>? {
        for chunk in chunks(in: buffer) where ssrc == nil || chunk.ssrc == ssrc {
            if let item = chunk.item(RTCPSDESItemType.cname, in: buffer) { return item.valueRange }
        }
        return nil
    }

    // The end of the chunk at `offset` (after its null octets and 32-bit alignment), or nil.
    static func chunkEnd(at offset: Int, bodyStart: Int, limit: Int, in buffer: UnsafeRawBufferPointer) -> Int? {
        guard offset <= limit - 4 else { return nil }
        var position = offset + 4
        while true {
            guard position < limit, let type = buffer.uint8(at: position) else { return nil }
            if type == RTCPSDESItemType.end { break }
            guard let length = buffer.uint8(at: position + 1), position + 1 < limit else { return nil }
            position += 2 + Int(length)
        }
        // `position` is the first null octet; the list ends at the next 32-bit boundary after it.
        let aligned = bodyStart + ((position - bodyStart) / 4 + 1) * 4
        return aligned <= limit ? aligned : nil
    }

    // The end of the item list that starts after the SSRC at `offset` (first null octet).
    static func itemsEnd(at offset: Int, limit: Int, in buffer: UnsafeRawBufferPointer) -> Int {
        var position = offset + 4
        while position < limit, let type = buffer.uint8(at: position), type != RTCPSDESItemType.end,
              let length = buffer.uint8(at: position + 1) {
            position += 2 + Int(length)
        }
        return min(position, limit)
    }
}

/// Iterates the chunks of an SDES packet.
public struct RTCPSDESChunkIterator: IteratorProtocol, Sequence {
    private let buffer: UnsafeRawBufferPointer
    private let range: Range<Int>
    private var remaining: Int
    private var offset: Int

    init(buffer: UnsafeRawBufferPointer, range: Range<Int>, count: Int) {
        self.buffer = buffer
        self.range = range
        self.remaining = count
        self.offset = range.lowerBound
    }

    /// The next chunk, or nil at the end or at a chunk that does not fit.
    public mutating func next() -> RTCPSDESChunk? {
        guard remaining > 0, buffer.contains(range), let ssrc = buffer.uint32(at: offset),
              let end = RTCPSourceDescription.chunkEnd(
                  at: offset, bodyStart: range.lowerBound, limit: range.upperBound, in: buffer)
        else { return nil }
        let itemsEnd = RTCPSourceDescription.itemsEnd(at: offset, limit: end, in: buffer)
        let chunk = RTCPSDESChunk(ssrc: ssrc, itemsRange: (offset + 4)..<itemsEnd)
        offset = end
        remaining -= 1
        return chunk
    }
}
