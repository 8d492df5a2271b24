/// At most one log line per key per interval, and a count of the lines held back, so that a flood of refusals (from
/// one source, of one kind) costs one line a minute instead of one per request. The table is bounded: past `capacity`
/// keys it is cleared (a spray of sources then costs one line per source again, and their held-back counts restart).
///
/// The caller owns the clock (`now`, in seconds on any monotonic scale) and the lock; a server keeps one in a `Mutex`.
public struct LogLimiter: Sendable {
    /// Seconds between two lines for one key.
    public let intervalSeconds: Double
    /// Keys remembered before the table is cleared.
    public var capacity = 10_000
    private var entries: [String: Entry] = [:]

    private struct Entry: Sendable {
        var logged: Double
        var heldBack: Int
    }

    /// A limiter allowing one line per key every `intervalSeconds`.
    public init(intervalSeconds: Double) { self.intervalSeconds = intervalSeconds }

    /// True when `key` was not logged within the interval (and records that it is now); otherwise counts it as held back.
    public mutating func shouldLog(_ key: String, now: Double) -> Bool { admit(key, now: now) != nil }

    /// When `key` may be logged now: the number of its lines held back since its last line (0 the first time); nil
    /// when it was logged within the interval (and this one is counted as held back).
    public mutating func admit(_ key: String, now: Double) -> Int? {
        if var entry = entries[key], now - entry.logged < intervalSeconds {
            entry.heldBack += 1
            entries[key] = entry
            return nil
        }
        let heldBack = entries[key]?.heldBack ?? 0
        if entries[key] == nil, entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = Entry(logged: now, heldBack: 0)
        return heldBack
    }
}
