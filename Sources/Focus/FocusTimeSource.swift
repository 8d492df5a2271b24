#if canImport(Glibc)
import Glibc
#endif

/// Where the focus gets its time: every timer it arms (PIN and lobby timeouts, the farewell limit, the empty-conference
/// grace, subscription expiry and NOTIFY coalescing, the registration purge) and every "now" it reads. `consort serve`
/// uses ``system``; tests give one driven by a test clock, so a timeout happens when the test advances time, not after
/// real seconds.
public struct FocusTimeSource: Sendable {
    /// Wall-clock seconds since 1970, for what is stored or shown: roster join times, registration expiry.
    public var now: @Sendable () -> Double
    /// A monotonic reading from any origin, never stepped with the wall clock: for deadlines and rates kept in memory
    /// (subscription expiry, the failure budget, log and dial-out rates).
    public var elapsed: @Sendable () -> Duration
    /// Waits `duration`; throws `CancellationError` when the task is cancelled first (the focus is stopping).
    public var sleep: @Sendable (Duration) async throws -> Void

    /// A time source from its three readings.
    public init(
        now: @escaping @Sendable () -> Double, elapsed: @escaping @Sendable () -> Duration,
        sleep: @escaping @Sendable (Duration) async throws -> Void
    ) {
        self.now = now
        self.elapsed = elapsed
        self.sleep = sleep
    }

    /// Real time: `CLOCK_REALTIME` for `now`, the continuous clock for `elapsed` and `sleep`.
    public static var system: FocusTimeSource {
        let origin = ContinuousClock.now
        return FocusTimeSource(
            now: {
                var ts = timespec()
                clock_gettime(CLOCK_REALTIME, &ts)
                return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
            },
            elapsed: { origin.duration(to: ContinuousClock.now) },
            sleep: { duration in try await ContinuousClock().sleep(for: duration) })
    }

    /// `elapsed` in seconds.
    var elapsedSeconds: Double {
        let parts = elapsed().components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
