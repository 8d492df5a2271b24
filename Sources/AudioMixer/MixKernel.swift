/// The sample arithmetic of mix-minus (the Janus AudioBridge trick, done linearly):
/// sum the chosen speakers once, then give each speaker the sum minus its own voice.
/// Sums are kept in Int32 so any realistic number of speakers cannot overflow, and a soft limiter
/// maps them back to Int16 without the harsh distortion of hard clipping.
public enum MixKernel {
    /// Unity gain in the Q12 fixed point that ``accumulate(_:gainQ12:into:)`` uses.
    public static let unityGainQ12: Int32 = 4096

    /// `sum[i] += pcm[i] · gain`. Plain loops over raw buffers: the compiler vectorises them.
    @inline(__always)
    public static func accumulate(
        _ pcm: UnsafeBufferPointer<Int16>, gainQ12: Int32, into sum: UnsafeMutableBufferPointer<Int32>
    ) {
        let n = min(pcm.count, sum.count)
        if gainQ12 == unityGainQ12 {
            for i in 0..<n { sum[i] &+= Int32(pcm[i]) }
        } else {
            for i in 0..<n { sum[i] &+= (Int32(pcm[i]) &* gainQ12) >> 12 }
        }
    }

    /// `out[i] = limit(sum[i] − own[i] · gain)`: what a speaker hears.
    @inline(__always)
    public static func mixMinus(
        _ sum: UnsafeBufferPointer<Int32>, minus own: UnsafeBufferPointer<Int16>, gainQ12: Int32,
        limiter: SoftLimiter, into out: UnsafeMutableBufferPointer<Int16>
    ) {
        let n = min(sum.count, own.count, out.count)
        if gainQ12 == unityGainQ12 {
            for i in 0..<n { out[i] = limiter.limit(sum[i] &- Int32(own[i])) }
        } else {
            for i in 0..<n { out[i] = limiter.limit(sum[i] &- ((Int32(own[i]) &* gainQ12) >> 12)) }
        }
    }

    /// `out[i] = limit(sum[i])`: what every listener hears.
    @inline(__always)
    public static func limit(_ sum: UnsafeBufferPointer<Int32>, limiter: SoftLimiter, into out: UnsafeMutableBufferPointer<Int16>) {
        let n = min(sum.count, out.count)
        for i in 0..<n { out[i] = limiter.limit(sum[i]) }
    }
}

/// A memoryless soft limiter: identity below the threshold, then a curve that approaches full scale
/// but never reaches it (`t + r·u/(1+u)`), continuous with slope 1 at the knee, so loud overlaps are
/// compressed rather than clipped into square waves.
public struct SoftLimiter: Sendable, Equatable {
    /// Where compression starts, in sample units.
    public let threshold: Int32
    private let range: Int32

    /// `thresholdFraction` of full scale, 0.1...1.0.
    public init(thresholdFraction: Double = 0.75) {
        let t = Int32((max(0.1, min(1.0, thresholdFraction)) * 32767).rounded())
        threshold = min(t, 32766)
        range = 32767 - threshold
    }

    @inline(__always)
    public func limit(_ x: Int32) -> Int16 {
        if x <= threshold && x >= -threshold { return Int16(truncatingIfNeeded: x) }
        let magnitude = x < 0 ? (x == Int32.min ? Int32.max : -x) : x
        let over = Int64(magnitude - threshold)
        // r·u/(1+u) with u = over/r  ==  r·over/(r+over)
        let squeezed = Int32((Int64(range) * over) / (Int64(range) + over))
        let y = threshold + squeezed
        return Int16(truncatingIfNeeded: x < 0 ? -y : y)
    }
}
