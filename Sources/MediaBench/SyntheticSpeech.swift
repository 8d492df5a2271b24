#if canImport(Glibc)
import Glibc
#endif

/// A deterministic speech-like signal at 48 kHz, for benchmarks whose codec cost must look like a meeting's:
/// talk spurts and pauses (about 60 % activity), syllables at 4–6 per second with a smooth envelope, voiced
/// syllables as a glottal pulse train (90–220 Hz with intonation) shaped by four vowel formants, unvoiced ones as
/// band-passed noise, and a constant room noise near -62 dBFS underneath, so DTX has something real to detect.
public struct SyntheticSpeech {
    private var random: SplitMix
    private var talking = false
    private var segmentLeft: Int
    private var syllableLength = 0
    private var syllablePosition = 0
    private var voiced = true
    private var pitch = 120.0
    private var glottalPhase = 0.0
    private var previousGlottal = 0.0
    private var formants = [Resonator](repeating: Resonator(), count: 4)
    private var fricative = Resonator()
    private var sampleIndex = 0
    private let rate = 48_000.0

    private static let vowels: [[Double]] = [
        [730, 1090, 2440, 3400], [270, 2290, 3010, 3700], [300, 870, 2240, 3300],
        [530, 1840, 2480, 3500], [570, 840, 2410, 3300], [660, 1720, 2410, 3500],
    ]
    private static let bandwidths: [Double] = [80, 100, 150, 250]
    private static let formantGains: [Double] = [1.0, 0.7, 0.4, 0.25]

    /// A voice; different seeds give different talkers.
    public init(seed: UInt64) {
        random = SplitMix(state: seed &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        segmentLeft = Int(0.2 * 48_000) + Int(random.unit() * 0.6 * 48_000)
    }

    /// Room noise only (a participant who does not talk).
    public static func silence(seed: UInt64) -> SyntheticSpeech {
        var s = SyntheticSpeech(seed: seed)
        s.segmentLeft = Int.max
        return s
    }

    /// Fills `output` with the next samples.
    public mutating func fill(_ output: UnsafeMutableBufferPointer<Int16>) {
        for i in 0..<output.count {
            var s = 0.0
            segmentLeft -= 1
            if segmentLeft <= 0 {
                talking.toggle()
                let seconds = talking ? 0.6 + 1.9 * random.unit() : 0.3 + 1.2 * random.unit()
                segmentLeft = Int(seconds * rate)
                syllablePosition = 0
                syllableLength = 0
                pitch = 90 + 130 * random.unit()
            }
            if talking { s = nextSpeechSample() }
            let value = s * 9_000 + 25 * random.gaussian()
            output[i] = Int16(max(-32_768, min(32_767, value.rounded())))
            sampleIndex += 1
        }
    }

    private mutating func nextSpeechSample() -> Double {
        if syllablePosition >= syllableLength { startSyllable() }
        let t = Double(syllablePosition) / Double(syllableLength)
        let envelope = 0.5 - 0.5 * cos(2 * .pi * t)
        syllablePosition += 1
        if voiced {
            let intonation = 1 + 0.15 * sin(2 * .pi * 0.7 * Double(sampleIndex) / rate) - 0.1 * t
            glottalPhase += pitch * intonation * (1 + 0.01 * random.gaussian()) / rate
            if glottalPhase >= 1 { glottalPhase -= 1 }
            var g = 0.0
            if glottalPhase < 0.6 {
                let p = glottalPhase / 0.6
                g = p < 0.67 ? 0.5 * (1 - cos(.pi * p / 0.67)) : cos(.pi * (p - 0.67) / 0.66)
            }
            let excitation = (g - previousGlottal) * 40 + 0.02 * random.gaussian()
            previousGlottal = g
            var y = 0.0
            for k in 0..<4 { y += formants[k].run(excitation) * Self.formantGains[k] }
            return y * envelope * 1.2
        }
        return fricative.run(random.gaussian()) * envelope * 0.5
    }

    private mutating func startSyllable() {
        syllableLength = Int((0.15 + 0.12 * random.unit()) * rate)
        syllablePosition = 0
        voiced = random.unit() < 0.75
        let vowel = Self.vowels[Int(random.next() % UInt64(Self.vowels.count))]
        for k in 0..<4 {
            formants[k].tune(frequency: vowel[k] * (0.92 + 0.16 * random.unit()), bandwidth: Self.bandwidths[k], rate: rate)
        }
        fricative.tune(frequency: 4_000 + 2_000 * random.unit(), bandwidth: 1_800, rate: rate)
    }
}

/// A two-pole resonator: one formant.
struct Resonator {
    private var a1 = 0.0, a2 = 0.0, gain = 0.0, y1 = 0.0, y2 = 0.0

    mutating func tune(frequency: Double, bandwidth: Double, rate: Double) {
        let r = exp(-Double.pi * bandwidth / rate)
        a1 = 2 * r * cos(2 * .pi * frequency / rate)
        a2 = -r * r
        gain = 1 - r
    }

    mutating func run(_ x: Double) -> Double {
        let y = gain * x + a1 * y1 + a2 * y2
        y2 = y1
        y1 = y
        return y
    }
}

/// SplitMix64: a small deterministic generator, so every run synthesises the same meeting.
struct SplitMix {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    mutating func unit() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992 }

    /// Standard normal (Box–Muller).
    mutating func gaussian() -> Double { sqrt(-2 * log(unit())) * cos(2 * .pi * unit()) }
}
