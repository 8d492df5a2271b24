// Bounds-checked big-endian reads and (caller-checked) big-endian writes.
// Every read checks its own bounds so that a parser cannot read past the buffer even when
// its own arithmetic is wrong; offsets are compared against `count - width`, never summed,
// so a hostile offset cannot overflow.

extension UnsafeRawBufferPointer {
    /// The byte at `offset`, or nil when `offset` is outside the buffer.
    @inline(__always)
    func uint8(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < count else { return nil }
        return self[offset]
    }

    /// The big-endian 16-bit value at `offset`, or nil when it does not fit.
    @inline(__always)
    func uint16(at offset: Int) -> UInt16? {
        guard offset >= 0, count >= 2, offset <= count - 2 else { return nil }
        return UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }

    /// The big-endian 24-bit value at `offset`, or nil when it does not fit.
    @inline(__always)
    func uint24(at offset: Int) -> UInt32? {
        guard offset >= 0, count >= 3, offset <= count - 3 else { return nil }
        return UInt32(self[offset]) << 16 | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2])
    }

    /// The big-endian 32-bit value at `offset`, or nil when it does not fit.
    @inline(__always)
    func uint32(at offset: Int) -> UInt32? {
        guard offset >= 0, count >= 4, offset <= count - 4 else { return nil }
        return UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16
            | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }

    /// The big-endian 64-bit value at `offset`, or nil when it does not fit.
    @inline(__always)
    func uint64(at offset: Int) -> UInt64? {
        guard let high = uint32(at: offset), let low = uint32(at: offset &+ 4) else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }

    /// True when `range` lies inside the buffer.
    @inline(__always)
    func contains(_ range: Range<Int>) -> Bool {
        range.lowerBound >= 0 && range.upperBound <= count
    }
}

extension UnsafeMutableRawBufferPointer {
    // The writers check the total size once, then store; each store still checks in debug builds.

    @inline(__always)
    func store(_ value: UInt8, at offset: Int) {
        self[offset] = value
    }

    @inline(__always)
    func store(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 1] = UInt8(truncatingIfNeeded: value)
    }

    @inline(__always)
    func store(_ value: UInt32, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 24)
        self[offset + 1] = UInt8(truncatingIfNeeded: value >> 16)
        self[offset + 2] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 3] = UInt8(truncatingIfNeeded: value)
    }

    @inline(__always)
    func store(_ value: UInt64, at offset: Int) {
        store(UInt32(truncatingIfNeeded: value >> 32), at: offset)
        store(UInt32(truncatingIfNeeded: value), at: offset + 4)
    }

    /// Writes `count` zero bytes from `offset`.
    @inline(__always)
    func storeZeros(at offset: Int, count: Int) {
        var index = offset
        while index < offset + count {
            self[index] = 0
            index += 1
        }
    }
}
