import LogLimits
import Testing

@Suite("Rate-limited refusal logs")
struct LogLimiterTests {
    @Test("one line per key per interval; other keys are not held back; the table stays bounded")
    func limiter() {
        var limiter = LogLimiter(intervalSeconds: 60)
        limiter.capacity = 3
        let first = limiter.shouldLog("a|quota", now: 0)
        let again = limiter.shouldLog("a|quota", now: 30)
        let other = limiter.shouldLog("b|quota", now: 30)
        let later = limiter.shouldLog("a|quota", now: 61)
        for i in 0..<100 { _ = limiter.shouldLog("spray\(i)", now: 70) }
        let afterSpray = limiter.shouldLog("c|quota", now: 71)
        #expect(first && !again && other && later && afterSpray)
    }

    @Test("the line after an interval says how many were held back for its key, and only for its key")
    func heldBackCount() {
        var limiter = LogLimiter(intervalSeconds: 60)
        #expect(limiter.admit("10.0.0.1|token", now: 0) == 0)
        for t in 1...500 { #expect(limiter.admit("10.0.0.1|token", now: Double(t) / 10) == nil) }
        #expect(limiter.admit("10.0.0.1|revision", now: 51) == 0, "another kind from the same source has its own line")
        #expect(limiter.admit("10.0.0.1|token", now: 60) == 500)
        #expect(limiter.admit("10.0.0.1|token", now: 200) == 0, "the count restarts after each line")
    }
}
