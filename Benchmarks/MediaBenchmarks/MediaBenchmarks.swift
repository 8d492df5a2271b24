import AudioMixer
import Benchmark
import Foundation
import MediaBench
import OpusCodec
import RTPWire
import SRTP

/// `CONSORT_BENCH_GATE=1` (what `make bench-check` sets): count allocations only, briefly. The gate is on malloc
/// counts, because wall time on shared 2-core machines is too noisy to fail a build on.
let gate = ProcessInfo.processInfo.environment["CONSORT_BENCH_GATE"] == "1"

/// The allowed malloc counts live in `Thresholds/` (one p90 file per benchmark, written by `make bench-thresholds`).
/// Consort's own paths get no tolerance: any allocation above the file fails `make bench-check`. Paths through
/// libsrtp2 get 1 %, because NSS inside it allocates per packet and its count wobbles by a few per thousand.
func mallocTolerance(libsrtp: Bool, percent: Double? = nil) -> BenchmarkThresholds {
    if let percent { return .init(relative: [.p90: percent]) }
    return libsrtp ? .init(relative: [.p90: 1.0]) : .init(absolute: [.p90: 0])
}

/// Per-packet work: a thousand packets per sample so the harness's own allocations vanish from the count.
/// `tolerance`: allowed growth in percent for paths that allocate by design (SIP messages are Strings).
func packetConfiguration(libsrtp: Bool = false, tolerance: Double? = nil) -> Benchmark.Configuration {
    .init(
        metrics: gate ? [.mallocCountTotal] : [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: gate ? .milliseconds(300) : .seconds(2),
        maxIterations: gate ? 20 : 10_000,
        thresholds: [.mallocCountTotal: mallocTolerance(libsrtp: libsrtp, percent: tolerance)]
    )
}

/// Whole ticks: a handful of samples of many ticks each.
func tickConfiguration(libsrtp: Bool = false) -> Benchmark.Configuration {
    .init(
        metrics: gate ? [.mallocCountTotal] : [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        timeUnits: .microseconds,
        scalingFactor: .kilo,
        maxDuration: gate ? .milliseconds(100) : .seconds(10),
        maxIterations: gate ? 2 : 20,
        thresholds: [.mallocCountTotal: mallocTolerance(libsrtp: libsrtp)]
    )
}

let benchmarks: @Sendable () -> Void = {
    rtpBenchmarks()
    srtpBenchmarks()
    codecBenchmarks()
    mixerBenchmarks()
    packetTimeBenchmarks()
    sipBenchmarks()
}
