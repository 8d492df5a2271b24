public import Foundation

/// A known tone fitted block by block to a recording (least squares on sin and cos of the absolute sample time), so a
/// gap, a skipped or repeated stretch of media (a phase jump) or a glitch (energy that is not the tone) shows up in the
/// block where it happens. Shared by the mixer's packet-time tests and the end-to-end ones that analyse a real
/// phone's recording.
public struct ToneFit: Sendable {
    /// One block's fit.
    public struct Block: Sendable {
        /// Index of the block's first sample in the recording.
        public var start: Int
        /// The tone's amplitude in the block (sample units).
        public var amplitude: Double
        /// The tone's phase against a sine started at sample 0, in radians (-π...π).
        public var phase: Double
        /// RMS of what is left after subtracting the fitted tone (sample units).
        public var residual: Double
    }

    public let frequency: Double
    public let sampleRate: Double
    public let blocks: [Block]

    /// Fits `frequency` to every `blockSamples`-long block of `samples`.
    public init(_ samples: [Int16], frequency: Double, sampleRate: Double = 48_000, blockSamples: Int = 240) {
        self.frequency = frequency
        self.sampleRate = sampleRate
        let w = 2 * Double.pi * frequency / sampleRate
        var blocks: [Block] = []
        var start = 0
        while start + blockSamples <= samples.count {
            var ss = 0.0, cc = 0.0, sc = 0.0, xs = 0.0, xc = 0.0
            for i in start..<start + blockSamples {
                let s = sin(w * Double(i))
                let c = cos(w * Double(i))
                let x = Double(samples[i])
                ss += s * s
                cc += c * c
                sc += s * c
                xs += x * s
                xc += x * c
            }
            let det = ss * cc - sc * sc
            let a = det != 0 ? (xs * cc - xc * sc) / det : 0
            let b = det != 0 ? (xc * ss - xs * sc) / det : 0
            var residual = 0.0
            for i in start..<start + blockSamples {
                let e = Double(samples[i]) - a * sin(w * Double(i)) - b * cos(w * Double(i))
                residual += e * e
            }
            blocks.append(
                Block(
                    start: start, amplitude: (a * a + b * b).squareRoot(), phase: atan2(b, a),
                    residual: (residual / Double(blockSamples)).squareRoot()))
            start += blockSamples
        }
        self.blocks = blocks
    }

    /// Fits `frequency` to a recording (a received WAV file), its samples scaled to 16-bit units like the other init's.
    public init(_ recording: PCMRecording, frequency: Double, blockSamples: Int) {
        self.init(
            recording.samples.map { Int16(clamping: Int(($0 * 32_768).rounded())) }, frequency: frequency,
            sampleRate: Double(recording.sampleRate), blockSamples: blockSamples)
    }

    /// The blocks that lie wholly within `range` (sample indices).
    public func blocks(in range: Range<Int>) -> ArraySlice<Block> {
        let first = blocks.firstIndex { $0.start >= range.lowerBound } ?? blocks.endIndex
        let end = blocks.firstIndex { $0.start + blockLength > range.upperBound } ?? blocks.endIndex
        return blocks[first..<max(first, end)]
    }

    private var blockLength: Int { blocks.count > 1 ? blocks[1].start - blocks[0].start : 0 }

    /// The median amplitude of `blocks`.
    public static func medianAmplitude(_ blocks: ArraySlice<Block>) -> Double {
        let sorted = blocks.map(\.amplitude).sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    /// The circular mean phase of `blocks`.
    public static func meanPhase(_ blocks: ArraySlice<Block>) -> Double {
        atan2(blocks.reduce(0) { $0 + sin($1.phase) }, blocks.reduce(0) { $0 + cos($1.phase) })
    }

    /// The distance between two phases, 0...π.
    public static func phaseDistance(_ a: Double, _ b: Double) -> Double {
        var d = (a - b).truncatingRemainder(dividingBy: 2 * Double.pi)
        if d > Double.pi { d -= 2 * Double.pi }
        if d < -Double.pi { d += 2 * Double.pi }
        return abs(d)
    }

    /// How much of the recording holds the tone: blocks whose amplitude is at least `fraction` of `reference`, in seconds.
    public func toneSeconds(atLeast fraction: Double, of reference: Double) -> Double {
        let n = blocks.filter { $0.amplitude >= fraction * reference }.count
        return Double(n * blockLength) / sampleRate
    }

    /// The worst blocks of `range` against a steady tone: the lowest and highest amplitude relative to the median, the
    /// largest phase distance from the mean phase, the largest residual relative to the median amplitude.
    public func worst(in range: Range<Int>)
        -> (lowestLevel: Double, highestLevel: Double, largestPhaseStep: Double, largestResidual: Double)
    {
        let part = blocks(in: range)
        let median = Self.medianAmplitude(part)
        let mean = Self.meanPhase(part)
        let levels = part.map { $0.amplitude / max(median, 1) }
        let phaseStep = part.map { Self.phaseDistance($0.phase, mean) }.max() ?? .pi
        let residual = part.map { $0.residual / max(median, 1) }.max() ?? 1
        return (levels.min() ?? 0, levels.max() ?? .infinity, phaseStep, residual)
    }
}
