// A view of a run of fixed-size entries inside an RTCP packet: report blocks (RFC 3550 §6.4),
// BYE SSRCs (§6.6), generic NACK PID/BLP pairs (RFC 4585 §6.2.1), FIR entries (RFC 5104 §4.3.1).
// Parsing records where the run starts and how many entries it holds, so nothing is allocated;
// entries are decoded on access from the same buffer.

/// A fixed-size entry of an RTCP packet that can be read from and written to a buffer.
public protocol RTCPWireElement: Sendable {
    /// The entry's size on the wire, in bytes.
    static var wireSize: Int { get }
    /// Decodes the entry at `offset`; nil when it does not fit in `buffer`.
    init?(parsing buffer: UnsafeRawBufferPointer, at offset: Int)
    /// Encodes the entry at `offset`; returns `wireSize`, or nil when it does not fit.
    func write(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int?
}

/// An SSRC or CSRC identifier in a list (BYE sources).
extension UInt32: RTCPWireElement {
    /// 4 bytes.
    public static var wireSize: Int { 4 }

    /// Reads a big-endian identifier at `offset`.
    public init?(parsing buffer: UnsafeRawBufferPointer, at offset: Int) {
        guard let value = buffer.uint32(at: offset) else { return nil }
        self = value
    }

    /// Writes the identifier big-endian at `offset`.
    public func write(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int? {
        guard offset >= 0, buffer.count >= 4, offset <= buffer.count - 4 else { return nil }
        buffer.store(self, at: offset)
        return 4
    }
}

/// `count` consecutive `Element`s starting at byte `startOffset` of the packet buffer. No allocation.
public struct RTCPWireList<Element: RTCPWireElement>: Sendable, Equatable {
    /// Byte offset of the first entry within the buffer the packet was parsed from.
    public var startOffset: Int
    /// The number of entries.
    public var count: Int

    /// A list of `count` entries from `startOffset`.
    public init(startOffset: Int, count: Int) {
        self.startOffset = startOffset
        self.count = count
    }

    /// True when the list has no entries.
    public var isEmpty: Bool {
        count <= 0
    }

    /// The bytes the entries occupy.
    public var byteRange: Range<Int> {
        let (length, lengthOverflow) = max(count, 0).multipliedReportingOverflow(by: max(Element.wireSize, 0))
        let (end, endOverflow) = startOffset.addingReportingOverflow(length)
        return lengthOverflow || endOverflow ? startOffset..<startOffset : startOffset..<end
    }

    /// The entry at `index`, or nil when the index is out of range or the entry lies beyond `buffer`.
    public func element(_ index: Int, in buffer: UnsafeRawBufferPointer) -> Element? {
        guard index >= 0, index < count, Element.wireSize > 0, index <= buffer.count / Element.wireSize
        else { return nil }
        return Element(parsing: buffer, at: startOffset &+ index * Element.wireSize)
    }

    /// The entries in order, decoded from `buffer` one at a time.
    public func elements(in buffer: UnsafeRawBufferPointer) -> RTCPWireListIterator<Element> {
        RTCPWireListIterator(list: self, buffer: buffer)
    }
}

/// Iterates the entries of an `RTCPWireList`; stops early at an entry that lies beyond the buffer.
public struct RTCPWireListIterator<Element: RTCPWireElement>: IteratorProtocol, Sequence {
    private let list: RTCPWireList<Element>
    private let buffer: UnsafeRawBufferPointer
    private var index = 0

    init(list: RTCPWireList<Element>, buffer: UnsafeRawBufferPointer) {
        self.list = list
        self.buffer = buffer
    }

    /// The next entry, or nil at the end.
    public mutating func next() -> Element? {
        guard let element = list.element(index, in: buffer) else { return nil }
        index += 1
        return element
    }
}

/// Writes the elements of `elements` one after another from `offset`; nil when one does not fit.
func writeElements<Elements: Collection>(
    _ elements: Elements, into buffer: UnsafeMutableRawBufferPointer, at offset: Int
) -> Int? where Elements.Element: RTCPWireElement {
    var position = offset
    for element in elements {
        guard let written = element.write(into: buffer, at: position) else { return nil }
        position += written
    }
    return position - offset
}
