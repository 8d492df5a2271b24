import Foundation
import OpusCodec
import Testing

/// The 8 kHz ↔ 48 kHz polyphase converters (G.711 legs of an Opus conference), measured with Goertzel.
@Suite struct ResamplerTests {
    /// Amplitude of the `frequency` component of `x` (sampled at `rate`), by the Goertzel algorithm.
    /// Exact for a tone with a whole number of cycles in `x`.
    static func amplitude(of frequency: Double, in x: ArraySlice<Int16>, rate: Double) -> Double {
        let coefficient = 2 * cos(2 * Double.pi * frequency / rate)
        var s1 = 0.0
        var s2 = 0.0
        for sample in x {
            let s0 = Double(sample) + coefficient * s1 - s2
            s2 = s1
            s1 = s0
        }
        let power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
        return 2 * power.squareRoot() / Double(x.count)
    }

    static func rms(_ x: ArraySlice<Int16>) -> Double {
        (x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.count)).squareRoot()
    }

    static func tone(_ frequency: Double, amplitude: Double, rate: Double, count: Int) -> [Int16] {
        (0..<count).map { Int16((amplitude * sin(2 * Double.pi * frequency * Double($0) / rate)).rounded()) }
    }

    static func dB(_ ratio: Double) -> Double { 20 * log10(ratio) }

    /// Runs `input` through `up` in 160-sample frames.
    static func upsample(_ input: [Int16], _ up: inout Upsampler8to48) -> [Int16] {
        var output = [Int16](repeating: 0, count: input.count * 6)
        var done = 0
        for start in stride(from: 0, to: input.count, by: 160) {
            let end = min(start + 160, input.count)
            done += input[start..<end].withUnsafeBufferPointer { frame in
                output.withUnsafeMutableBufferPointer { up.process(frame, into: UnsafeMutableBufferPointer(rebasing: $0[done...])) }
            }
        }
        return Array(output[0..<done])
    }

    /// Runs `input` through `down` in frames of `frame` samples.
    static func downsample(_ input: [Int16], _ down: inout Downsampler48to8, frame: Int = 960) -> [Int16] {
        var output = [Int16](repeating: 0, count: input.count / 6 + 1)
        var done = 0
        for start in stride(from: 0, to: input.count, by: frame) {
            let end = min(start + frame, input.count)
            done += input[start..<end].withUnsafeBufferPointer { chunk in
                output.withUnsafeMutableBufferPointer { down.process(chunk, into: UnsafeMutableBufferPointer(rebasing: $0[done...])) }
            }
        }
        return Array(output[0..<done])
    }

    @Test("A 1 kHz tone survives 8k → 48k → 8k at 1 kHz, within ±1 dB")
    func toneSurvivesRoundTrip() {
        var up = Upsampler8to48()
        var down = Downsampler48to8()
        let input = Self.tone(1_000, amplitude: 10_000, rate: 8_000, count: 12_000)
        let output = Self.downsample(Self.upsample(input, &up), &down)
        #expect(output.count == 12_000)
        let steady = output[4_000..<12_000]
        let level = Self.dB(Self.amplitude(of: 1_000, in: steady, rate: 8_000) / 10_000)
        #expect(abs(level) <= 1, "1 kHz level \(level) dB")
        // Essentially all the power is at 1 kHz: the frequency is right and nothing else was added.
        let toneRMS = Self.amplitude(of: 1_000, in: steady, rate: 8_000) / 2.squareRoot()
        #expect(Self.dB(toneRMS / Self.rms(steady)) > -0.05)
    }

    @Test("Anti-aliasing: 48k → 8k attenuates a 6 kHz tone (which would alias to 2 kHz) by at least 50 dB")
    func sixKilohertzDoesNotAlias() {
        var down = Downsampler48to8()
        let input = Self.tone(6_000, amplitude: 16_000, rate: 48_000, count: 72_000)
        let output = Self.downsample(input, &down)[2_000..<10_000]
        let alias = Self.dB(Self.amplitude(of: 2_000, in: output, rate: 8_000) / 16_000)
        let total = Self.dB(Self.rms(output) * 2.squareRoot() / 16_000)
        #expect(alias <= -50, "alias at 2 kHz: \(alias) dB")
        #expect(total <= -50, "everything left: \(total) dB")
    }

    @Test("Stopband: every tone from 4.2 kHz to 20 kHz leaves less than −60 dB after 48k → 8k",
          arguments: [4_200.0, 4_500.0, 5_000.0, 7_000.0, 8_000.0, 12_000.0, 20_000.0])
    func stopbandAttenuation(frequency: Double) {
        var down = Downsampler48to8()
        let output = Self.downsample(Self.tone(frequency, amplitude: 30_000, rate: 48_000, count: 24_000), &down)
        let left = Self.dB(Self.rms(output[500...]) * 2.squareRoot() / 30_000)
        #expect(left <= -60, "\(frequency) Hz: \(left) dB")
    }

    @Test("Anti-imaging: upsampled 1 kHz has no image at 7 kHz or 9 kHz above −50 dB")
    func noImagesAfterUpsampling() {
        var up = Upsampler8to48()
        let output = Self.upsample(Self.tone(1_000, amplitude: 10_000, rate: 8_000, count: 8_000), &up)[6_000..<42_000]
        let wanted = Self.amplitude(of: 1_000, in: output, rate: 48_000)
        #expect(abs(Self.dB(wanted / 10_000)) <= 0.1)
        for image in [7_000.0, 9_000.0, 15_000.0, 17_000.0] {
            let level = Self.dB(Self.amplitude(of: image, in: output, rate: 48_000) / wanted)
            #expect(level <= -50, "image at \(image) Hz: \(level) dB")
        }
    }

    @Test("Streaming: 20 ms frames give exactly what one block gives, both directions, any chunking")
    func framesEqualOneBlock() {
        var seed: UInt32 = 12_345
        let noise = (0..<4_000).map { _ -> Int16 in
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return Int16(truncatingIfNeeded: Int32(bitPattern: seed) >> 17)
        }
        var framed = Upsampler8to48()
        var block = Upsampler8to48()
        let up = Self.upsample(noise, &framed)
        var whole = [Int16](repeating: 0, count: noise.count * 6)
        let n = noise.withUnsafeBufferPointer { input in whole.withUnsafeMutableBufferPointer { block.process(input, into: $0) } }
        #expect(n == 24_000)
        #expect(up == whole)

        var downBlock = Downsampler48to8()
        let reference = Self.downsample(up, &downBlock, frame: up.count)
        #expect(reference.count == 4_000)
        for frame in [960, 7, 13, 1] {
            var down = Downsampler48to8()
            #expect(Self.downsample(up, &down, frame: frame) == reference, "frame \(frame)")
        }
    }

    @Test("Downsampler frame accounting: 960 in → 160 out every frame; outputCount predicts odd chunks")
    func downsamplerCounts() {
        var down = Downsampler48to8()
        var output = [Int16](repeating: 0, count: 200)
        let frame = [Int16](repeating: 100, count: 960)
        for _ in 0..<3 {
            #expect(down.outputCount(forInputCount: 960) == 160)
            let n = frame.withUnsafeBufferPointer { input in output.withUnsafeMutableBufferPointer { down.process(input, into: $0) } }
            #expect(n == 160)
        }
        for chunk in [1, 5, 7, 11] {
            let expected = down.outputCount(forInputCount: chunk)
            let n = frame[0..<chunk].withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer { down.process(input, into: $0) }
            }
            #expect(n == expected, "chunk \(chunk)")
        }
        #expect(abs(Int(output[0]) - 100) <= 1, "unit DC gain")
    }

    @Test("Upsampler with a short output buffer consumes only whole groups of six")
    func upsamplerShortOutput() {
        var up = Upsampler8to48()
        let input = [Int16](repeating: 1_000, count: 160)
        var output = [Int16](repeating: 0, count: 100)
        let n = input.withUnsafeBufferPointer { input in output.withUnsafeMutableBufferPointer { up.process(input, into: $0) } }
        #expect(n == 96)
    }
}
