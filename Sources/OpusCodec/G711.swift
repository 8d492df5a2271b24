/// ITU-T G.711 companding: µ-law (PCMU, RTP payload type 0) and A-law (PCMA, payload type 8), RFC 3551 §4.5.14.
///
/// Linear samples are 16-bit: µ-law's 14-bit range is scaled by 4 (±32124), A-law's 13-bit range by 8 (±32256),
/// the usual convention of the ITU-T G.191 reference tools. Decoding is a 256-entry table; encoding is computed
/// from the segment (the position of the highest set bit), so neither direction allocates or branches much.
public enum G711 {
    /// One µ-law byte for one 16-bit sample (G.711 Table 2a, with the bias of 0x84 in the 16-bit domain).
    @inlinable
    public static func encodeMuLaw(_ sample: Int16) -> UInt8 {
        let negative = sample < 0
        // Magnitude, clipped so that magnitude + bias stays within 15 bits.
        var magnitude = negative ? -Int32(sample) : Int32(sample)
        if magnitude > 32_635 { magnitude = 32_635 }
        magnitude += 0x84
        let segment = Int32(24 - magnitude.leadingZeroBitCount)  // highest bit 7...14 → segment 0...7
        let mantissa = (magnitude >> (segment + 3)) & 0x0F
        let code = UInt8(truncatingIfNeeded: segment << 4 | mantissa)
        return negative ? code ^ 0x7F : code ^ 0xFF
    }

    /// The 16-bit sample a µ-law byte stands for.
    @inlinable
    public static func decodeMuLaw(_ code: UInt8) -> Int16 { muLawDecodeTable[Int(code)] }

    /// One A-law byte for one 16-bit sample (G.711 Table 1a; even bits inverted with 0x55).
    @inlinable
    public static func encodeALaw(_ sample: Int16) -> UInt8 {
        var value = Int32(sample) >> 3  // 13-bit
        let mask: UInt8
        if value >= 0 {
            mask = 0xD5
        } else {
            mask = 0x55
            value = -value - 1
        }
        guard value > 0x1F else { return UInt8(truncatingIfNeeded: value >> 1) ^ mask }
        let segment = Int32(27 - value.leadingZeroBitCount)  // highest bit 5...11 → segment 1...7
        let mantissa = (value >> segment) & 0x0F
        return UInt8(truncatingIfNeeded: segment << 4 | mantissa) ^ mask
    }

    /// The 16-bit sample an A-law byte stands for.
    @inlinable
    public static func decodeALaw(_ code: UInt8) -> Int16 { aLawDecodeTable[Int(code)] }

    /// Encodes `pcm` into µ-law bytes; returns how many were written (the smaller of the two counts).
    @discardableResult
    public static func encodeMuLaw(_ pcm: UnsafeBufferPointer<Int16>, into bytes: UnsafeMutableRawBufferPointer) -> Int {
        let count = min(pcm.count, bytes.count)
        for i in 0..<count { bytes[i] = encodeMuLaw(pcm[i]) }
        return count
    }

    /// Decodes µ-law bytes into `pcm`; returns how many samples were written (the smaller of the two counts).
    @discardableResult
    public static func decodeMuLaw(_ bytes: UnsafeRawBufferPointer, into pcm: UnsafeMutableBufferPointer<Int16>) -> Int {
        decode(bytes, into: pcm, table: muLawDecodeTable)
    }

    /// Encodes `pcm` into A-law bytes; returns how many were written (the smaller of the two counts).
    @discardableResult
    public static func encodeALaw(_ pcm: UnsafeBufferPointer<Int16>, into bytes: UnsafeMutableRawBufferPointer) -> Int {
        let count = min(pcm.count, bytes.count)
        for i in 0..<count { bytes[i] = encodeALaw(pcm[i]) }
        return count
    }

    /// Decodes A-law bytes into `pcm`; returns how many samples were written (the smaller of the two counts).
    @discardableResult
    public static func decodeALaw(_ bytes: UnsafeRawBufferPointer, into pcm: UnsafeMutableBufferPointer<Int16>) -> Int {
        decode(bytes, into: pcm, table: aLawDecodeTable)
    }

    private static func decode(_ bytes: UnsafeRawBufferPointer, into pcm: UnsafeMutableBufferPointer<Int16>, table: [Int16])
        -> Int
    {
        let count = min(pcm.count, bytes.count)
        table.withUnsafeBufferPointer { table in
            for i in 0..<count { pcm[i] = table[Int(bytes[i])] }
        }
        return count
    }

    /// µ-law code → 16-bit sample: 0xFF and 0x7F → 0, 0x00 → −32124, 0x80 → +32124.
    @usableFromInline
    static let muLawDecodeTable: [Int16] = (0...255).map { (code: Int) -> Int16 in
        let inverted = ~code & 0xFF
        let magnitude = (((inverted & 0x0F) << 3) + 0x84) << ((inverted & 0x70) >> 4)
        return Int16(inverted & 0x80 != 0 ? 0x84 - magnitude : magnitude - 0x84)
    }

    /// A-law code → 16-bit sample: 0xD5 → +8, 0x55 → −8, 0xAA → +32256, 0x2A → −32256.
    @usableFromInline
    static let aLawDecodeTable: [Int16] = (0...255).map { (code: Int) -> Int16 in
        let value = code ^ 0x55
        let segment = (value & 0x70) >> 4
        var magnitude = (value & 0x0F) << 4
        switch segment {
        case 0: magnitude += 8
        case 1: magnitude += 0x108
        default: magnitude = (magnitude + 0x108) << (segment - 1)
        }
        return Int16(value & 0x80 != 0 ? magnitude : -magnitude)
    }
}
