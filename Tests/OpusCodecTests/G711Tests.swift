import OpusCodec
import Testing

/// ITU-T G.711 µ-law and A-law against the reference values of the recommendation (16-bit scaling as in G.191).
@Suite struct G711Tests {
    @Test("G.711 µ-law: decode table at the well-known points (0xFF, 0x7F → 0; 0x00 → −32124; 0x80 → +32124)")
    func muLawKnownPoints() {
        #expect(G711.decodeMuLaw(0xFF) == 0)
        #expect(G711.decodeMuLaw(0x7F) == 0)
        #expect(G711.decodeMuLaw(0x00) == -32124)
        #expect(G711.decodeMuLaw(0x80) == 32124)
        #expect(G711.decodeMuLaw(0xFE) == 8)
        #expect(G711.decodeMuLaw(0x7E) == -8)
        #expect(G711.encodeMuLaw(0) == 0xFF)
        #expect(G711.encodeMuLaw(-32124) == 0x00)
        #expect(G711.encodeMuLaw(32124) == 0x80)
        #expect(G711.encodeMuLaw(Int16.max) == 0x80)
        #expect(G711.encodeMuLaw(Int16.min) == 0x00)
    }

    @Test("G.711 A-law: decode table at the well-known points (0xD5 → 8; 0x55 → −8; 0x2A → −32256; 0xAA → +32256)")
    func aLawKnownPoints() {
        #expect(G711.decodeALaw(0xD5) == 8)
        #expect(G711.decodeALaw(0x55) == -8)
        #expect(G711.decodeALaw(0x2A) == -32256)
        #expect(G711.decodeALaw(0xAA) == 32256)
        #expect(G711.encodeALaw(8) == 0xD5)
        #expect(G711.encodeALaw(-8) == 0x55)
        #expect(G711.encodeALaw(-32256) == 0x2A)
        #expect(G711.encodeALaw(32256) == 0xAA)
        #expect(G711.encodeALaw(0) == 0xD5)
        #expect(G711.encodeALaw(Int16.max) == 0xAA)
        #expect(G711.encodeALaw(Int16.min) == 0x2A)
    }

    @Test("G.711: decode then encode is the identity on all 256 codes, except µ-law's negative zero 0x7F → 0xFF")
    func fullTableRoundTrip() {
        for code in UInt8.min...UInt8.max {
            #expect(G711.encodeALaw(G711.decodeALaw(code)) == code, "A-law \(code)")
            #expect(G711.encodeMuLaw(G711.decodeMuLaw(code)) == (code == 0x7F ? 0xFF : code), "µ-law \(code)")
        }
    }

    @Test("G.711: every 16-bit sample quantises to a nearby level, monotonically (catches sign and segment errors)")
    func quantisationIsBoundedAndMonotonic() {
        var previousMu = Int.min
        var previousA = Int.min
        for x in Int(Int16.min)...Int(Int16.max) {
            let sample = Int16(x)
            let mu = Int(G711.decodeMuLaw(G711.encodeMuLaw(sample)))
            let a = Int(G711.decodeALaw(G711.encodeALaw(sample)))
            let bound = max(8, abs(x) / 16)
            if abs(mu - x) > bound || abs(a - x) > bound || mu < previousMu || a < previousA {
                Issue.record("sample \(x): µ-law \(mu), A-law \(a)")
                return
            }
            previousMu = mu
            previousA = a
        }
    }

    @Test("G.711 buffers: 160-sample frames round-trip through µ-law and A-law; counts are the smaller size")
    func bufferRoundTrip() {
        let pcm = (0..<160).map { Int16(truncatingIfNeeded: ($0 * 977) % 30000 - 15000) }
        var bytes = [UInt8](repeating: 0, count: 160)
        var decoded = [Int16](repeating: 0, count: 160)
        pcm.withUnsafeBufferPointer { pcm in
            bytes.withUnsafeMutableBytes { #expect(G711.encodeMuLaw(pcm, into: $0) == 160) }
            bytes.withUnsafeBytes { bytes in
                decoded.withUnsafeMutableBufferPointer { #expect(G711.decodeMuLaw(bytes, into: $0) == 160) }
            }
            #expect(zip(pcm, decoded).allSatisfy { G711.decodeMuLaw(G711.encodeMuLaw($0)) == $1 })
            bytes.withUnsafeMutableBytes { #expect(G711.encodeALaw(pcm, into: $0) == 160) }
            bytes.withUnsafeBytes { bytes in
                decoded.withUnsafeMutableBufferPointer { #expect(G711.decodeALaw(bytes, into: $0) == 160) }
                decoded.withUnsafeMutableBufferPointer {
                    #expect(G711.decodeALaw(bytes, into: UnsafeMutableBufferPointer(rebasing: $0[0..<100])) == 100)
                }
            }
            #expect(zip(pcm, decoded).allSatisfy { G711.decodeALaw(G711.encodeALaw($0)) == $1 })
            bytes.withUnsafeMutableBytes {
                #expect(G711.encodeALaw(pcm, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<40])) == 40)
            }
        }
    }
}
