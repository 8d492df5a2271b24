/// Choosing when in the 20 ms period a new conference ticks. Conferences on one event loop run one after another; if
/// they all tick at the same moment, the last ones start several milliseconds late every time. Placing each new one in
/// the widest gap between the ticks already there spreads them out (the largest-gap rule keeps them within a factor of
/// two of even spacing however many come and go).
enum TickPhase {
    static let period: Int64 = 20_000_000

    /// Nanoseconds to wait from `now` (monotonic nanoseconds) until the middle of the widest gap between `phases`
    /// (each in `0..<period`); 0 when there are none.
    static func delay(from now: UInt64, toWidestGapAmong phases: [Int64]) -> Int64 {
        guard let target = widestGapMiddle(phases) else { return 0 }
        let current = Int64(now % UInt64(period))
        let wait = target - current
        return wait >= 0 ? wait : wait + period
    }

    /// The middle of the widest gap between `phases` on the circle of one period; nil for no phases.
    static func widestGapMiddle(_ phases: [Int64]) -> Int64? {
        let sorted = phases.map { (($0 % period) + period) % period }.sorted()
        guard let first = sorted.first, let last = sorted.last else { return nil }
        // The gap that wraps around, from the last phase to the first one of the next period.
        var best = (start: last, width: first + period - last)
        for (a, b) in zip(sorted, sorted.dropFirst()) where b - a > best.width { best = (a, b - a) }
        return (best.start + best.width / 2) % period
    }
}
