#if canImport(Glibc)
import Glibc
#endif

/// Audio levels as RFC 6464 expresses them: 0...127, meaning 0 to -127 dBov (127 is silence).
public enum AudioLevelMeter {
    /// The level of silence.
    public static let silence: UInt8 = 127

    /// The RMS level of a frame in -dBov (RFC 6464 §3: 0 dBov is the RMS of a full-scale square wave).
    @inline(__always)
    public static func level(of pcm: UnsafeBufferPointer<Int16>) -> UInt8 {
        guard !pcm.isEmpty else { return silence }
        var energy: Int64 = 0
        for sample in pcm {
            let s = Int64(sample)
            energy &+= s &* s
        }
        guard energy > 0 else { return silence }
        let meanSquare = Double(energy) / Double(pcm.count)
        // 10·log10(ms / 32768²)
        let dBov = 10 * log10(meanSquare) - 90.308_998_699_194_35
        return fromDBov(dBov)
    }

    /// The RFC 6464 value for a level in dBov (clamped to 0...-127).
    @inline(__always)
    public static func fromDBov(_ dBov: Double) -> UInt8 {
        if !(dBov < 0) { return 0 }
        if dBov <= -127 { return silence }
        return UInt8(-dBov.rounded())
    }
}
