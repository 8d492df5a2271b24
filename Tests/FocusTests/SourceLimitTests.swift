import MCUControl
import SIP
import Testing

@testable import Focus

@Suite("Per-source tables of the focus")
struct SourceLimitTests {
    @Test("a call claims its Call-ID/From tag and a place for its source; a live call's identifiers or a full source are refused; ending gives both back")
    func callTable() {
        var table = CallTable()
        let key = CallKey(callID: "c1", fromTag: "t1")
        #expect(table.claim(key, source: "192.0.2.1", limit: 3) == nil)
        // A digest retry of the same call may arrive while the challenged INVITE is still being answered.
        #expect(table.claim(key, source: "192.0.2.1", limit: 3) == nil)
        table.release(key, source: "192.0.2.1", anonymous: false)
        #expect(table.claim(CallKey(callID: "c2", fromTag: "t"), source: "192.0.2.1", limit: 2) == nil)
        #expect(table.claim(CallKey(callID: "c3", fromTag: "t"), source: "192.0.2.1", limit: 2) == .callsPerSource(limit: 2))
        #expect(table.claim(CallKey(callID: "c3", fromTag: "t"), source: nil, limit: 2) == nil, "a trusted source is not counted")
        #expect(table.claimAnonymous(source: "192.0.2.1", limit: 1) == nil)
        #expect(table.claimAnonymous(source: "192.0.2.1", limit: 1) == .unauthenticatedPerSource(limit: 1))
        let dialog = SIPDialogID(callID: "c1", localTag: "ours", remoteTag: "t1")
        table.add(
            dialog,
            .init(conference: ConferenceID(tenant: "t", meeting: "m"), endpoint: .random(), key: key, source: "192.0.2.1", anonymous: true))
        #expect(table.claim(key, source: "192.0.2.9", limit: 2) == .collision, "a live call's identifiers are refused")
        #expect(table.end(dialog) != nil)
        #expect(table.end(dialog) == nil, "ending twice gives back once")
        #expect(table.claim(key, source: "192.0.2.1", limit: 2) == nil, "the key and the place are free again")
        #expect(table.claimAnonymous(source: "192.0.2.1", limit: 1) == nil)
    }

    @Test("subscriptions: reserved per source and per conference, released once")
    func subscriptionQuota() {
        var quota = SubscriptionQuota()
        let room = ConferenceID(tenant: "t", meeting: "room")
        #expect(quota.reserve(source: "a", conference: room, perSource: 1, perConference: 2) == nil)
        #expect(quota.reserve(source: "a", conference: room, perSource: 1, perConference: 2) == .perSource(limit: 1))
        #expect(quota.reserve(source: "b", conference: room, perSource: 1, perConference: 2) == nil)
        #expect(quota.reserve(source: nil, conference: room, perSource: 1, perConference: 2) == .perConference(limit: 2))
        quota.release(source: "a", conference: room)
        #expect(quota.reserve(source: "a", conference: room, perSource: 1, perConference: 2) == nil)
        #expect(quota.bySource["a"] == 1 && quota.byConference[room] == 2)
    }

    @Test("endpoint identifiers are the server's own: random, never repeated")
    func randomEndpoints() {
        let ids = Set((0..<1_000).map { _ in EndpointID.random().value })
        #expect(ids.count == 1_000)
        #expect(ids.allSatisfy { $0.hasPrefix("ep-") && $0.count == 19 })
    }
}

@Suite("Failure budget for passwords and PINs")
struct FailureBudgetTests {
    @Test("a source gets `allowed` wrong secrets, then waits; the wait doubles, is capped, and a right answer or quiet clears it")
    func backoff() {
        var budget = FailureBudget()
        budget.allowed = 3
        budget.backoffSeconds = 10
        budget.maxBackoffSeconds = 35
        #expect(budget.fail(source: "a", target: "u", now: 0) == nil)
        #expect(budget.fail(source: "a", target: "u", now: 1) == nil)
        #expect(budget.fail(source: "a", target: "u", now: 2) == 10)
        #expect(budget.wait(source: "a", target: "u", now: 5) == 7)
        #expect(budget.wait(source: "b", target: "u", now: 5) == nil, "another source is not held back")
        #expect(budget.wait(source: "a", target: "v", now: 5) == nil, "nor another target")
        #expect(budget.fail(source: "a", target: "u", now: 13) == 20)
        #expect(budget.fail(source: "a", target: "u", now: 40) == 35, "capped")
        budget.succeed(source: "a", target: "u")
        #expect(budget.wait(source: "a", target: "u", now: 41) == nil)
        #expect(budget.fail(source: "a", target: "w", now: 0) == nil)
        #expect(budget.fail(source: "a", target: "w", now: 1) == nil)
        #expect(budget.fail(source: "a", target: "w", now: 5_000) == nil, "an hour of quiet forgets the earlier failures")
    }

    @Test("the table stays bounded under a spray of sources")
    func bounded() {
        var budget = FailureBudget()
        budget.capacity = 100
        for i in 0..<1_000 { budget.fail(source: "s\(i)", target: "u", now: Double(i)) }
        #expect(budget.records.count <= 100)
    }
}
