/// The requests-per-second limit per source IP address, a token bucket per address in a bounded table (the idea of
/// Kamailio's pike module). A source over its rate is refused; the first few refusals of an episode may be answered
/// (503 with Retry-After, never larger than the request), the rest are counted and dropped, so a flood earns nothing.
/// Pure: the caller passes the time, so tests drive it with any clock.
struct SourceRateLimiter {
    /// What to do with a request.
    enum Verdict: Equatable {
        /// Under the limit: handle it.
        case admit
        /// Over the limit: answer 503 (no bigger than the request), then drop.
        case refuseAndAnswer
        /// Over the limit and the answers of this episode are spent: drop silently.
        case refuseSilently
    }

    /// A source address as two 64-bit halves (IPv4 in the low half): a key that costs no allocation.
    struct Key: Hashable {
        var high: UInt64
        var low: UInt64
    }

    private struct Bucket {
        var tokens: Double
        var updated: UInt64
        /// Refusals answered since the source last went over the limit.
        var answered: Int
        /// When a refusal of this source was last logged (nanoseconds), for one notice per minute.
        var lastNotice: UInt64?
    }

    let ratePerSecond: Double
    let burst: Double
    let capacity: Int
    /// Refusals answered per episode before going silent.
    let answersPerEpisode: Int
    private var buckets: [Key: Bucket] = [:]
    private var lastSweep: UInt64 = 0

    init(ratePerSecond: Int, burst: Int, capacity: Int, answersPerEpisode: Int = 3) {
        self.ratePerSecond = Double(max(1, ratePerSecond))
        self.burst = Double(max(1, burst))
        self.capacity = max(16, capacity)
        self.answersPerEpisode = answersPerEpisode
    }

    /// Sources tracked now.
    var count: Int { buckets.count }

    /// Takes one token for a request from `key` at `now` (monotonic nanoseconds).
    mutating func admit(_ key: Key, now: UInt64) -> Verdict {
        var bucket = buckets[key] ?? makeRoom(now: now)
        let elapsed = Double(now &- min(now, bucket.updated)) / 1e9
        bucket.tokens = min(burst, bucket.tokens + elapsed * ratePerSecond)
        bucket.updated = now
        let verdict: Verdict
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            // Back under the limit for a whole burst: a later episode may be answered again.
            if bucket.tokens >= burst - 1 { bucket.answered = 0 }
            verdict = .admit
        } else if bucket.answered < answersPerEpisode {
            bucket.answered += 1
            verdict = .refuseAndAnswer
        } else {
            verdict = .refuseSilently
        }
        buckets[key] = bucket
        return verdict
    }

    /// Whether a refusal of `key` should be logged now: once a minute per source at most.
    mutating func shouldLog(_ key: Key, now: UInt64) -> Bool {
        guard var bucket = buckets[key] else { return false }
        if let last = bucket.lastNotice, now &- last < 60_000_000_000 { return false }
        bucket.lastNotice = now
        buckets[key] = bucket
        return true
    }

    /// A fresh full bucket, after making room in a full table: first every source whose bucket has refilled (it
    /// would start full anyway, so forgetting it changes nothing), then, when a spread flood fills the table with
    /// active sources, an arbitrary one.
    private mutating func makeRoom(now: UInt64) -> Bucket {
        if buckets.count >= capacity {
            // At most one sweep a second: a spread flood must not make every new source cost a pass over the table.
            if now &- min(now, lastSweep) >= 1_000_000_000 {
                lastSweep = now
                let refill = UInt64(burst / ratePerSecond * 1e9)
                buckets = buckets.filter { now &- min(now, $0.value.updated) < refill }
            }
            if buckets.count >= capacity, let any = buckets.keys.first { buckets[any] = nil }
        }
        return Bucket(tokens: burst, updated: now, answered: 0, lastNotice: nil)
    }
}
