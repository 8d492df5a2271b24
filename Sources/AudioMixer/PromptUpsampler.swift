#if canImport(Glibc)
internal import Glibc
#endif

/// Integer-ratio upsampling for prompts, done once when a prompt is loaded (never per tick): a windowed-sinc
/// interpolator, 32 input taps per output sample, cut-off at 90 % of the input's Nyquist frequency, Blackman window.
/// Each phase is normalised to unit DC gain, so level is kept and a constant stays constant.
enum PromptUpsampler {
    /// Input samples on each side of an output sample.
    static let halfTaps = 16
    /// The cut-off as a fraction of the input's Nyquist frequency.
    static let cutoff = 0.9

    /// `input` at `factor` times its rate (factor 1 returns it unchanged).
    static func upsample(_ input: [Int16], factor: Int) -> [Int16] {
        guard factor > 1, !input.isEmpty else { return input }
        let taps = 2 * halfTaps
        // phases[p][j]: weight of input sample (k - halfTaps + 1 + j) for output sample k·factor + p.
        var phases = [Double](repeating: 0, count: factor * taps)
        for p in 0..<factor {
            var sum = 0.0
            for j in 0..<taps {
                let t = Double(p) / Double(factor) + Double(halfTaps - 1 - j)  // distance in input samples
                let x = Double.pi * cutoff * t
                let sinc = t == 0 ? 1 : sin(x) / x
                let w = (t + Double(halfTaps)) / Double(2 * halfTaps)  // 0...1 across the window
                let blackman = 0.42 - 0.5 * cos(2 * Double.pi * w) + 0.08 * cos(4 * Double.pi * w)
                let weight = sinc * max(0, blackman)
                phases[p * taps + j] = weight
                sum += weight
            }
            for j in 0..<taps { phases[p * taps + j] /= sum }
        }
        var output = [Int16](repeating: 0, count: input.count * factor)
        let count = input.count
        for k in 0..<count {
            for p in 0..<factor {
                var acc = 0.0
                for j in 0..<taps {
                    let index = k - halfTaps + 1 + j
                    guard index >= 0, index < count else { continue }
                    acc += Double(input[index]) * phases[p * taps + j]
                }
                output[k * factor + p] = Int16(max(-32_768, min(32_767, acc.rounded())))
            }
        }
        return output
    }
}
