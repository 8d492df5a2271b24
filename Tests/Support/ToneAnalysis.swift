/// Which test tones a recording holds: Goertzel power at each candidate frequency, averaged over short Hann-windowed blocks.
///
/// Short blocks (100 ms) rather than one long transform, because a received stream has phase jumps (jitter-buffer
/// adjustments, concealed losses, codec switches) that would smear one coherent sum; the Hann window keeps a strong tone
/// from leaking into another candidate's bin (its side lobes are > 90 dB down a few hundred hertz away).
public import Foundation

/// The levels of candidate tones in a recording, and the decisions drawn from them.
public struct ToneLevels: Sendable, CustomStringConvertible {
    /// Each candidate's level in dB relative to the strongest candidate (the strongest is 0).
    public var relative: [Double: Double]
    /// Each candidate's amplitude in dBFS (a full-scale sine is 0 dBFS).
    public var absolute: [Double: Double]
    /// The RMS of the analysed part, in dBFS (a full-scale square wave is 0 dBFS, a full-scale sine -3 dBFS).
    public var rmsDBFS: Double
    /// Seconds of audio analysed (after skipping the start).
    public var seconds: Double

    /// A tone counts as present when within `presentWithin` dB of the strongest candidate and above `floorDBFS`.
    public var presentWithin: Double = 20
    /// A tone counts as absent when more than `absentBelow` dB under the strongest candidate, or under `floorDBFS`.
    public var absentBelow: Double = 30
    /// The absolute level under which no tone counts as heard (dBFS).
    public var floorDBFS: Double = -50

    /// Whether the recording clearly holds `frequency` (one of the candidates).
    public func hears(_ frequency: Double) -> Bool {
        guard let rel = relative[frequency], let abs = absolute[frequency] else { return false }
        return rel >= -presentWithin && abs >= floorDBFS
    }

    /// Whether the recording clearly lacks `frequency` (one of the candidates). A tone between the two thresholds is
    /// neither heard nor lacking: a test asserting either fails, which is what a half-leaking tone deserves.
    public func lacks(_ frequency: Double) -> Bool {
        guard let rel = relative[frequency], let abs = absolute[frequency] else { return false }
        return rel < -absentBelow || abs < floorDBFS
    }

    public var description: String {
        let tones = relative.keys.sorted().map { f in
            String(format: "%.0f Hz %.1f dB (%.1f dBFS)", f, relative[f] ?? -.infinity, absolute[f] ?? -.infinity)
        }
        return tones.joined(separator: ", ") + String(format: "; RMS %.1f dBFS over %.1f s", rmsDBFS, seconds)
    }
}

/// Tone measurement on mono float samples.
public enum ToneAnalysis {
    /// The amplitude (0...1 of full scale) of a sine at `frequency` in `samples`, by a Hann-windowed Goertzel filter.
    public static func amplitude(of frequency: Double, in samples: ArraySlice<Float>, sampleRate: Double) -> Double {
        let n = samples.count
        guard n > 1 else { return 0 }
        let coefficient = 2 * cos(2 * Double.pi * frequency / sampleRate)
        var s1 = 0.0, s2 = 0.0, windowSum = 0.0
        for (i, sample) in samples.enumerated() {
            let w = 0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(n - 1))
            windowSum += w
            let s0 = Double(sample) * w + coefficient * s1 - s2
            s2 = s1
            s1 = s0
        }
        let power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
        return 2 * max(power, 0).squareRoot() / windowSum
    }

    /// Measures each candidate over 100 ms blocks after skipping `skipSeconds` (call setup, jitter-buffer fill); the
    /// level of a candidate is the RMS of its per-block amplitudes, so a tone present half the time shows 3 dB down.
    public static func levels(in recording: PCMRecording, candidates: [Double], skipSeconds: Double = 1) -> ToneLevels {
        levels(in: recording.samples, sampleRate: Double(recording.sampleRate), candidates: candidates, skipSeconds: skipSeconds)
    }

    /// Measures each candidate in `samples` (see `levels(in:candidates:skipSeconds:)`).
    public static func levels(in samples: [Float], sampleRate: Double, candidates: [Double], skipSeconds: Double = 1) -> ToneLevels {
        let start = min(samples.count, Int(skipSeconds * sampleRate))
        let body = samples[start...]
        let block = max(2, Int(sampleRate / 10))
        var sums = [Double](repeating: 0, count: candidates.count)
        var blocks = 0
        var index = body.startIndex
        while index + block <= body.endIndex {
            let slice = body[index..<index + block]
            for (c, frequency) in candidates.enumerated() {
                let a = amplitude(of: frequency, in: slice, sampleRate: sampleRate)
                sums[c] += a * a
            }
            blocks += 1
            index += block
        }
        var absolute = [Double: Double]()
        for (c, frequency) in candidates.enumerated() {
            absolute[frequency] = decibels(blocks > 0 ? (sums[c] / Double(blocks)).squareRoot() : 0)
        }
        let strongest = absolute.values.max() ?? -.infinity
        var relative = [Double: Double]()
        for (frequency, level) in absolute {
            relative[frequency] = strongest.isFinite ? level - strongest : -.infinity
        }
        let meanSquare = body.isEmpty ? 0 : body.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(body.count)
        return ToneLevels(
            relative: relative, absolute: absolute, rmsDBFS: decibels(meanSquare.squareRoot()),
            seconds: Double(body.count) / sampleRate)
    }

    static func decibels(_ amplitude: Double) -> Double { amplitude > 0 ? 20 * log10(amplitude) : -.infinity }
}

/// Each candidate frequency's level in dB relative to the strongest candidate (0 for the strongest), skipping the
/// first `skipSeconds`; see `ToneAnalysis.levels` for the absolute levels, the RMS and the present/absent decisions.
public func dominantTones(in samples: [Float], sampleRate: Double, candidates: [Double], skipSeconds: Double = 1) -> [Double: Double] {
    ToneAnalysis.levels(in: samples, sampleRate: sampleRate, candidates: candidates, skipSeconds: skipSeconds).relative
}
