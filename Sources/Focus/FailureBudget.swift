/// How many wrong secrets (digest passwords, meeting PINs) one source may try against one target (a user, a meeting)
/// before it must wait: `allowed` failures, then a backoff that doubles with every further failure, from
/// `backoffSeconds` up to `maxBackoffSeconds`. A success or a quiet `forgetSeconds` clears the record. The table is
/// bounded: past `capacity` entries the oldest go, so a spray of sources cannot grow it without end.
struct FailureBudget: Sendable {
    struct Key: Hashable, Sendable {
        var source: String
        var target: String
    }

    struct Record: Sendable {
        var failures: Int
        var lastFailure: Double
        /// No attempt is looked at before this time (seconds of the focus's monotonic time, ``FocusTimeSource/elapsed``).
        var blockedUntil: Double
    }

    var allowed = 5
    var backoffSeconds: Double = 30
    var maxBackoffSeconds: Double = 900
    var forgetSeconds: Double = 3_600
    var capacity = 65_536
    private(set) var records: [Key: Record] = [:]

    /// Seconds the source must still wait before it may try `target` again; nil when it may try now.
    func wait(source: String, target: String, now: Double) -> Double? {
        guard let r = records[Key(source: source, target: target)], r.blockedUntil > now else { return nil }
        return r.blockedUntil - now
    }

    /// Records a wrong secret; returns the seconds the source must now wait (nil while still within the allowance).
    @discardableResult
    mutating func fail(source: String, target: String, now: Double) -> Double? {
        let key = Key(source: source, target: target)
        var r = records[key] ?? Record(failures: 0, lastFailure: now, blockedUntil: 0)
        if now - r.lastFailure > forgetSeconds { r.failures = 0 }
        r.failures += 1
        r.lastFailure = now
        var wait: Double?
        if r.failures >= allowed {
            let doublings = min(r.failures - allowed, 20)
            let seconds = min(maxBackoffSeconds, backoffSeconds * Double(1 << doublings))
            r.blockedUntil = now + seconds
            wait = seconds
        }
        if records[key] == nil && records.count >= capacity { evictOldest(now: now) }
        records[key] = r
        return wait
    }

    /// The right secret: the record goes.
    mutating func succeed(source: String, target: String) {
        records[Key(source: source, target: target)] = nil
    }

    private mutating func evictOldest(now: Double) {
        records = records.filter { now - $0.value.lastFailure <= forgetSeconds && $0.value.blockedUntil > now }
        if records.count >= capacity, let oldest = records.min(by: { $0.value.lastFailure < $1.value.lastFailure })?.key {
            records[oldest] = nil
        }
    }
}
