import RTPWire

/// Runs `body` over `bytes` as a raw buffer.
func withPacket<Result>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
    try bytes.withUnsafeBytes(body)
}

/// Runs a writer into a buffer of `capacity` bytes and returns what it wrote, or nil.
func written(capacity: Int = 1500, _ write: (UnsafeMutableRawBufferPointer) -> Int?) -> [UInt8]? {
    var storage = [UInt8](repeating: 0xEE, count: capacity)
    let count = storage.withUnsafeMutableBytes { write($0) }
    guard let count else { return nil }
    return Array(storage[0..<count])
}

/// Big-endian bytes of a 16-bit value.
func be16(_ value: UInt16) -> [UInt8] {
    [UInt8(value >> 8), UInt8(value & 0xFF)]
}

/// Big-endian bytes of a 32-bit value.
func be32(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
}

/// An RTP fixed header (RFC 3550 §5.1) built by hand.
func rtpFixedHeader(
    padding: Bool = false, extension: Bool = false, csrcCount: UInt8 = 0, marker: Bool = false,
    payloadType: UInt8 = 111, sequence: UInt16 = 0x1234, timestamp: UInt32 = 0xDEAD_BEEF, ssrc: UInt32 = 0x0102_0304
) -> [UInt8] {
    let first: UInt8 = 0x80 | (padding ? 0x20 : 0) | (`extension` ? 0x10 : 0) | csrcCount
    return [first, (marker ? 0x80 : 0) | payloadType] + be16(sequence) + be32(timestamp) + be32(ssrc)
}

/// An RTCP packet (RFC 3550 §6.4.1 common header + body; body length a multiple of 4).
func rtcpPacket(count: UInt8, type: UInt8, body: [UInt8]) -> [UInt8] {
    [0x80 | count, type] + be16(UInt16(body.count / 4)) + body
}
