import Clocks
import Focus
import Synchronization

/// The focus's time in tests: swift-clocks' `TestClock`, so a timer fires only when the test advances the clock, and no
/// test waits for time to pass. `now` is a fixed wall-clock epoch plus the time advanced. Each armed timer is listed
/// with its duration, so a test can wait until the focus has armed the timer it is about to fire (the focus arms
/// timers in background jobs).
final class FocusTestClock: Sendable {
    let clock = TestClock<Duration>()
    /// The wall-clock time at the start: 2025-01-01T00:00:00Z.
    let epoch: Double = 1_735_689_600

    private struct Timers {
        var next: UInt64 = 0
        var armed: [UInt64: Duration] = [:]
    }

    private let timers = Mutex(Timers())

    /// The time source to give the focus.
    var source: FocusTimeSource {
        let clock = self.clock, epoch = self.epoch
        let origin = clock.now
        return FocusTimeSource(
            now: { epoch + Self.seconds(origin.duration(to: clock.now)) },
            elapsed: { origin.duration(to: clock.now) },
            sleep: { [self] duration in
                // The deadline is fixed before the timer is listed: a test that sees it and advances past it fires it,
                // whether or not the sleep below has started.
                let deadline = clock.now.advanced(by: duration)
                let id = arm(duration)
                defer { disarm(id) }
                try await clock.sleep(until: deadline, tolerance: nil)
            })
    }

    private func arm(_ duration: Duration) -> UInt64 {
        timers.withLock { t in
            defer { t.next += 1 }
            t.armed[t.next] = duration
            return t.next
        }
    }

    private func disarm(_ id: UInt64) { timers.withLock { _ = $0.armed.removeValue(forKey: id) } }

    /// Timers armed now for exactly `seconds`.
    func armed(seconds: Double) -> Int {
        let duration = Duration.milliseconds(Int(seconds * 1_000))
        return timers.withLock { $0.armed.values.count { $0 == duration } }
    }

    /// Waits (real time, at most `timeout`) until at least `count` timers of `seconds` are armed.
    func waitUntilArmed(seconds: Double, count: Int = 1, timeout: Duration = .seconds(5)) async -> Bool {
        await eventually(timeout: timeout) { self.armed(seconds: seconds) >= count }
    }

    /// Moves time forward by `seconds`, firing every timer due meanwhile in deadline order.
    func advance(seconds: Double) async {
        await clock.advance(by: .milliseconds(Int(seconds * 1_000)))
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

/// Checks `condition` until it holds or `timeout` (real time) has passed, for the effect of work that runs on other
/// tasks (the focus's jobs, the SIP stack). True when it held.
func eventually(timeout: Duration = .seconds(5), _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return await condition()
}
