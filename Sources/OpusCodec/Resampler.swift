#if canImport(Glibc)
internal import Glibc
#endif

/// The anti-imaging / anti-aliasing low-pass shared by ``Upsampler8to48`` and ``Downsampler48to8``.
///
/// A linear-phase windowed-sinc FIR at 48 kHz: 384 taps (64 per phase of the ratio 6), cut-off 3.7 kHz,
/// Kaiser window β = 6.5. Designed response: passband 0–3.4 kHz flat within ±0.005 dB, stopband from 4 kHz
/// down at least 69 dB. Group delay 191.5 samples at 48 kHz (about 4 ms) each way.
public enum TelephoneBandFilter {
    /// The conversion ratio: 48 kHz / 8 kHz.
    public static let ratio = 6
    /// Taps per polyphase branch.
    public static let tapsPerPhase = 64
    /// Taps of the prototype filter at 48 kHz.
    public static let taps = ratio * tapsPerPhase
    /// The −6 dB point of the prototype, in Hz.
    public static let cutoffHz = 3_700.0
    /// The Kaiser window shape parameter (≈ 69 dB stopband).
    public static let kaiserBeta = 6.5
    /// Delay through one conversion, in 48 kHz samples: (taps − 1) / 2.
    public static let delayAt48kHz = Double(taps - 1) / 2

    /// The prototype impulse response, normalised to unit DC gain.
    static let prototype: [Float] = {
        let m = Double(taps - 1)
        let normalisedCutoff = 2 * cutoffHz / 48_000
        var h = (0..<taps).map { n -> Double in
            let t = Double(n) - m / 2
            let sinc = t == 0 ? 1 : sin(Double.pi * normalisedCutoff * t) / (Double.pi * normalisedCutoff * t)
            let r = 2 * Double(n) / m - 1
            let window = besselI0(kaiserBeta * (1 - r * r).squareRoot()) / besselI0(kaiserBeta)
            return normalisedCutoff * sinc * window
        }
        let sum = h.reduce(0, +)
        for i in h.indices { h[i] /= sum }
        return h.map { Float($0) }
    }()

    /// The zeroth-order modified Bessel function of the first kind, by its power series.
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0
        var term = 1.0
        let quarterSquare = x * x / 4
        for k in 1...50 {
            term *= quarterSquare / Double(k * k)
            sum += term
            if term < sum * 1e-17 { break }
        }
        return sum
    }

    @inline(__always)
    static func toInt16(_ value: Float) -> Int16 {
        Int16(max(-32_768, min(32_767, value)).rounded())
    }
}

/// Streaming 8 kHz → 48 kHz conversion by polyphase interpolation: each input sample yields six output samples.
///
/// History is kept between calls, so a stream processed in 20 ms frames (160 in, 960 out) is sample-for-sample
/// identical to the same stream processed in one block. `process` never allocates.
public struct Upsampler8to48: Sendable {
    /// `phases[p][i]` multiplies the i-th oldest of the last 64 inputs for output phase p (gain 6 restores level).
    private let phases: [Float]
    /// The last 64 inputs, stored twice so the window is always contiguous.
    private var history: [Float]
    private var position = 0

    /// A converter with silent history.
    public init() {
        let k = TelephoneBandFilter.tapsPerPhase
        let r = TelephoneBandFilter.ratio
        let h = TelephoneBandFilter.prototype
        var phases = [Float](repeating: 0, count: r * k)
        for p in 0..<r {
            for i in 0..<k { phases[p * k + i] = Float(r) * h[r * (k - 1 - i) + p] }
        }
        self.phases = phases
        self.history = [Float](repeating: 0, count: 2 * k)
    }

    /// Converts `input` (8 kHz) into `output` (48 kHz). Consumes as many inputs as fit six-fold into `output`
    /// (all of them when `output.count >= 6 * input.count`) and returns the number of output samples written.
    public mutating func process(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<Int16>) -> Int {
        let k = TelephoneBandFilter.tapsPerPhase
        let r = TelephoneBandFilter.ratio
        let consumed = min(input.count, output.count / r)
        var position = self.position
        phases.withUnsafeBufferPointer { phases in
            history.withUnsafeMutableBufferPointer { history in
                // Both arrays are allocated in init and never empty.
                guard let historyBase = history.baseAddress, let phaseBase = phases.baseAddress else { return }
                for n in 0..<consumed {
                    position = position == k - 1 ? 0 : position + 1
                    let x = Float(input[n])
                    history[position] = x
                    history[position + k] = x
                    let window = historyBase + position + 1
                    for p in 0..<r {
                        let coefficients = phaseBase + p * k
                        var sum: Float = 0
                        for i in 0..<k { sum += coefficients[i] * window[i] }
                        output[n * r + p] = TelephoneBandFilter.toInt16(sum)
                    }
                }
            }
        }
        self.position = position
        return consumed * r
    }

    /// Forgets the history, as if new.
    public mutating func reset() {
        for i in history.indices { history[i] = 0 }
        position = 0
    }
}

/// Streaming 48 kHz → 8 kHz conversion: low-pass below 4 kHz, then keep every sixth sample.
///
/// History (and the position within the current group of six) is kept between calls, so 960-sample frames give
/// exactly 160 samples each and match one-block processing sample for sample. `process` never allocates.
public struct Downsampler48to8: Sendable {
    private let coefficients: [Float]
    /// The last 384 inputs, stored twice so the window is always contiguous.
    private var history: [Float]
    private var position = 0
    /// Inputs since the last output, 0...5.
    private var phase = 0

    /// A converter with silent history.
    public init() {
        self.coefficients = TelephoneBandFilter.prototype.reversed()
        self.history = [Float](repeating: 0, count: 2 * TelephoneBandFilter.taps)
    }

    /// Converts `input` (48 kHz) into `output` (8 kHz); returns the number of output samples written.
    /// `output` needs room for ``outputCount(forInputCount:)`` samples (160 for a 960-sample frame;
    /// `input.count / 6 + 1` always suffices). If it has less, the input after the last output that fits is ignored.
    public mutating func process(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<Int16>) -> Int {
        let taps = TelephoneBandFilter.taps
        let r = TelephoneBandFilter.ratio
        var position = self.position
        var phase = self.phase
        var written = 0
        coefficients.withUnsafeBufferPointer { coefficients in
            history.withUnsafeMutableBufferPointer { history in
                guard let historyBase = history.baseAddress else { return }
                for n in 0..<input.count {
                    if phase == 0 && written == output.count { break }
                    position = position == taps - 1 ? 0 : position + 1
                    let x = Float(input[n])
                    history[position] = x
                    history[position + taps] = x
                    if phase == 0 {
                        let window = historyBase + position + 1
                        var sum: Float = 0
                        for i in 0..<taps { sum += coefficients[i] * window[i] }
                        output[written] = TelephoneBandFilter.toInt16(sum)
                        written += 1
                    }
                    phase = phase == r - 1 ? 0 : phase + 1
                }
            }
        }
        self.position = position
        self.phase = phase
        return written
    }

    /// How many samples the next ``process(_:into:)`` of `inputCount` samples will produce, given where this
    /// converter stands within its group of six.
    public func outputCount(forInputCount inputCount: Int) -> Int {
        let first = (TelephoneBandFilter.ratio - phase) % TelephoneBandFilter.ratio
        return inputCount > first ? (inputCount - first - 1) / TelephoneBandFilter.ratio + 1 : 0
    }

    /// Forgets the history, as if new.
    public mutating func reset() {
        for i in history.indices { history[i] = 0 }
        position = 0
        phase = 0
    }
}
