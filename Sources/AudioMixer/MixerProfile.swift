#if canImport(Glibc)
import Glibc
#endif

/// Where a conference's tick time goes. Filled only when ``ConferenceMixer/profiling`` is on, so the
/// production path pays nothing for it.
public struct MixerProfile: Sendable, Equatable {
    /// Nanoseconds spent inside libopus (decode, FEC, PLC, encode).
    public var codecNanoseconds: UInt64 = 0
    /// Opus or G.711 decodes (including FEC and PLC frames).
    public var decodes: UInt64 = 0
    /// Encodes of a mix.
    public var encodes: UInt64 = 0
    /// Ticks run.
    public var ticks: UInt64 = 0

    public init() {}
}

/// Monotonic nanoseconds, for profiling and for stamping packet arrival.
@inline(__always)
public func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(truncatingIfNeeded: ts.tv_sec) &* 1_000_000_000 &+ UInt64(truncatingIfNeeded: ts.tv_nsec)
}
