import Foundation
import OpusCodec
import Testing

/// Power of `frequency` in `samples` (Goertzel), normalised so a full-scale sine gives about 0.25.
func goertzelPower(_ samples: [Int16], frequency: Double, sampleRate: Double) -> Double {
    let w = 2 * Double.pi * frequency / sampleRate
    let coefficient = 2 * cos(w)
    var s1 = 0.0
    var s2 = 0.0
    for x in samples {
        let s0 = Double(x) / 32768 + coefficient * s1 - s2
        s2 = s1
        s1 = s0
    }
    let n = Double(samples.count)
    return (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / (n * n)
}

func sine(_ frequency: Double, amplitude: Double = 12_000, count: Int, sampleRate: Double = 48_000) -> [Int16] {
    (0..<count).map { Int16(amplitude * sin(2 * .pi * frequency * Double($0) / sampleRate)) }
}

/// Encodes `pcm` in 20 ms frames and returns the packets.
func encodeFrames(_ pcm: [Int16], with encoder: OpusEncoder) -> [[UInt8]] {
    var packets: [[UInt8]] = []
    var buffer = [UInt8](repeating: 0, count: 1500)
    pcm.withUnsafeBufferPointer { all in
        var offset = 0
        while offset + 960 <= all.count {
            let frame = UnsafeBufferPointer(rebasing: all[offset..<offset + 960])
            let n = buffer.withUnsafeMutableBytes { encoder.encode(frame, frameSamples: 960, into: $0) }
            if let n { packets.append(Array(buffer[0..<n])) }
            offset += 960
        }
    }
    return packets
}

func decode(_ packet: [UInt8], with decoder: OpusDecoder) throws -> [Int16] {
    var pcm = [Int16](repeating: 0, count: 5760)
    let n = try packet.withUnsafeBytes { bytes in
        try pcm.withUnsafeMutableBufferPointer { try decoder.decode(bytes, into: $0).get() }
    }
    return Array(pcm[0..<n * decoder.channels])
}

@Suite("Opus (RFC 6716, RFC 7587)")
struct OpusTests {
    @Test("a 440 Hz tone survives encode and decode at the right frequency")
    func toneSurvives() throws {
        let encoder = try OpusEncoder(OpusEncoderSettings(bitrate: 32_000, complexity: 5))
        let decoder = try OpusDecoder()
        let packets = encodeFrames(sine(440, count: 48_000), with: encoder)
        #expect(packets.count == 50)
        var out: [Int16] = []
        for p in packets { out += try decode(p, with: decoder) }
        #expect(out.count == 48_000)
        let tail = Array(out[24_000...])  // past the codec's start-up
        let at440 = goertzelPower(tail, frequency: 440, sampleRate: 48_000)
        let at1000 = goertzelPower(tail, frequency: 1_000, sampleRate: 48_000)
        let at300 = goertzelPower(tail, frequency: 300, sampleRate: 48_000)
        #expect(at440 > 0.01, "the tone is there")
        #expect(at440 > 1_000 * at1000, "no energy moved to 1 kHz")
        #expect(at440 > 1_000 * at300, "no energy moved to 300 Hz")
    }

    @Test("stereo encodes and decodes two channels")
    func stereo() throws {
        let encoder = try OpusEncoder(OpusEncoderSettings(channels: 2, bitrate: 64_000))
        let decoder = try OpusDecoder(channels: 2)
        let left = sine(440, count: 960)
        let right = sine(880, count: 960)
        let interleaved = (0..<960).flatMap { [left[$0], right[$0]] }
        var packet = [UInt8](repeating: 0, count: 1500)
        let n = try #require(
            interleaved.withUnsafeBufferPointer { pcm in
                packet.withUnsafeMutableBytes { encoder.encode(pcm, frameSamples: 960, into: $0) }
            })
        let pcm = try decode(Array(packet[0..<n]), with: decoder)
        #expect(pcm.count == 960 * 2)
    }

    @Test("packet-loss concealment yields a full frame")
    func concealment() throws {
        let encoder = try OpusEncoder()
        let decoder = try OpusDecoder()
        for p in encodeFrames(sine(440, count: 9_600), with: encoder) { _ = try decode(p, with: decoder) }
        var pcm = [Int16](repeating: 0, count: 960)
        let n = try pcm.withUnsafeMutableBufferPointer { try decoder.conceal(frameSamples: 960, into: $0).get() }
        #expect(n == 960)
        #expect(pcm.contains { $0 != 0 }, "concealment continues the tone rather than going silent")
    }

    @Test("in-band FEC rebuilds a lost frame from the next packet (RFC 7587 §3.1.2)")
    func forwardErrorCorrection() throws {
        let encoder = try OpusEncoder(OpusEncoderSettings(bitrate: 24_000, inbandFEC: true, expectedLossPercent: 20, application: .voip))
        let decoder = try OpusDecoder()
        let packets = encodeFrames(sine(440, count: 48_000), with: encoder)
        for p in packets[0..<20] { _ = try decode(p, with: decoder) }
        // Packet 20 is lost; rebuild it from packet 21.
        var pcm = [Int16](repeating: 0, count: 960)
        let n = try packets[21].withUnsafeBytes { next in
            try pcm.withUnsafeMutableBufferPointer { try decoder.decodeFEC(from: next, frameSamples: 960, into: $0).get() }
        }
        #expect(n == 960)
        #expect(goertzelPower(pcm, frequency: 440, sampleRate: 48_000) > 0.005)
    }

    @Test("adaptive: CELT while unprotected; from the threshold SILK/hybrid whose FEC rebuilds a lost frame; off below half of it; no seam at a switch")
    func adaptiveProtection() throws {
        let encoder = try OpusEncoder(OpusEncoderSettings(bitrate: 32_000, application: .adaptive, adaptiveFECLossPercent: 3))
        let decoder = try OpusDecoder()
        let tone = sine(440, amplitude: 8_000, count: 48_000 * 3)
        func encodeSecond(_ second: Int) -> [[UInt8]] {
            encodeFrames(Array(tone[(second * 48_000)..<((second + 1) * 48_000)]), with: encoder)
        }
        #expect(encoder.adaptsToLoss && encoder.protectedLossPercent == nil)
        let clean = encodeSecond(0)
        #expect(clean.allSatisfy { $0[0] >> 3 >= 16 }, "CELT TOCs: \(clean.map { $0[0] >> 3 })")
        #expect(!encoder.protect(againstLossPercent: 2), "below the threshold: no change")
        #expect(encoder.protect(againstLossPercent: 10) && encoder.protectedLossPercent == 10)
        let lossy = encodeSecond(1)
        #expect(lossy.suffix(45).allSatisfy { $0[0] >> 3 < 16 }, "SILK/hybrid TOCs: \(lossy.map { $0[0] >> 3 })")
        #expect(encoder.protect(againstLossPercent: 1) && encoder.protectedLossPercent == nil, "below half the threshold: off")
        #expect(encodeSecond(2).suffix(45).allSatisfy { $0[0] >> 3 >= 16 })

        // Decoded straight through both switches, every frame carries the tone: no dropout at a mode change.
        var quiet: [Int] = []
        for (i, p) in (clean + lossy).enumerated() {
            let pcm = try decode(p, with: decoder)
            if i >= 5, goertzelPower(pcm, frequency: 440, sampleRate: 48_000) < 0.01 { quiet.append(i) }
            // Lose frame 70 (protected): its FEC in frame 71 rebuilds it.
            if i == 69 {
                var rebuilt = [Int16](repeating: 0, count: 960)
                let n = try lossy[21].withUnsafeBytes { next in
                    try rebuilt.withUnsafeMutableBufferPointer { try decoder.decodeFEC(from: next, frameSamples: 960, into: $0).get() }
                }
                #expect(n == 960 && goertzelPower(rebuilt, frequency: 440, sampleRate: 48_000) > 0.01)
                break
            }
        }
        #expect(quiet.isEmpty, "frames without the tone: \(quiet)")

        let plain = try OpusEncoder(OpusEncoderSettings(dtx: true, application: .adaptive))
        #expect(!plain.adaptsToLoss && !plain.protect(againstLossPercent: 50), "with DTX, adaptive is voip throughout")
    }

    @Test("a corrupt packet yields an error, not a crash")
    func corruptPacket() throws {
        let decoder = try OpusDecoder()
        var pcm = [Int16](repeating: 0, count: 960)
        // TOC code 3 with a frame count of 0 is invalid (RFC 6716 §3.2.5).
        let bad: [UInt8] = [0x03, 0x00]
        let result = bad.withUnsafeBytes { bytes in pcm.withUnsafeMutableBufferPointer { decoder.decode(bytes, into: $0) } }
        #expect(throws: CodecError.self) { try result.get() }
        let empty = [UInt8]().withUnsafeBytes { bytes in pcm.withUnsafeMutableBufferPointer { decoder.decode(bytes, into: $0) } }
        #expect(throws: CodecError.self) { try empty.get() }
    }

    @Test("bad settings are refused with a reason")
    func badSettings() {
        #expect(throws: CodecError.self) { try OpusEncoder(OpusEncoderSettings(bitrate: 1_000)) }
        #expect(throws: CodecError.self) { try OpusEncoder(OpusEncoderSettings(channels: 3)) }
        #expect(throws: CodecError.self) { try OpusDecoder(channels: 0) }
        let error = #expect(throws: CodecError.self) { try OpusEncoder(OpusEncoderSettings(complexity: 11)) }
        #expect(error?.reason.contains("complexity") == true)
    }

    @Test("a cloned encoder continues the original's stream bit for bit")
    func cloneContinues() throws {
        let a = try OpusEncoder()
        let b = try OpusEncoder()
        let pcm = sine(440, count: 9_600)
        _ = encodeFrames(Array(pcm[0..<4_800]), with: a)
        b.copyState(from: a)
        let fromA = encodeFrames(Array(pcm[4_800...]), with: a)
        let fromB = encodeFrames(Array(pcm[4_800...]), with: b)
        #expect(fromA == fromB)
    }

    @Test("DTX sends tiny packets during silence")
    func dtx() throws {
        let encoder = try OpusEncoder(OpusEncoderSettings(dtx: true))
        let packets = encodeFrames([Int16](repeating: 0, count: 48_000), with: encoder)
        // In DTX libopus still sends a comfort-noise update every 400 ms; the frames between need not be sent.
        let tiny = packets.suffix(40).filter { $0.count <= 2 }.count
        #expect(tiny >= 36, "sizes: \(packets.map(\.count))")
    }

    @Test("in SILK wideband, DTX also treats steady background noise as silence")
    func dtxOnNoise() throws {
        let encoder = try OpusEncoder(OpusEncoderSettings(dtx: true, maxBandwidth: .wideband))
        var state: UInt64 = 42
        let noise = (0..<48_000 * 2).map { _ -> Int16 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int16(truncatingIfNeeded: Int(state >> 58) - 32)  // about -60 dBFS
        }
        let packets = encodeFrames(noise, with: encoder)
        #expect(packets.suffix(50).filter { $0.count <= 2 }.count >= 40)
    }

    @Test("the sample count of a packet is read from its TOC")
    func sampleCount() throws {
        let packets = encodeFrames(sine(440, count: 960), with: try OpusEncoder())
        let n = packets[0].withUnsafeBytes { OpusDecoder.sampleCount(of: $0) }
        #expect(n == 960)
        #expect([UInt8]().withUnsafeBytes { OpusDecoder.sampleCount(of: $0) } == nil)
    }
}
