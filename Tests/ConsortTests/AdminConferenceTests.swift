import Admin
import SIP
import SIPWire
import Focus
import Foundation
import Testing
import TestSupport

/// Live conferences through the admin API with sipp callers in them: roster, lock, mute-all, mute, roles, eject,
/// end — each checked in the focus and over HTTP — and the metrics a join leaves behind.
@Suite("Admin API: live conferences", .serialized, .timeLimit(.minutes(3)))
struct AdminConferenceTests {
    @Test("roster, lock, mute-all and unmute-all (organizer keeps the voice), mute, roles, eject, end; metrics after joins")
    func controlOperations() async throws {
        let bed = try await AdminTestBed.start()
        let calls = try SippCalls()
        defer { calls.stop() }
        try calls.organizer(bed, meeting: "weekly", domain: "acme.test", user: "alice", password: "alice-pw")
        try calls.guest(bed, meeting: "weekly", domain: "acme.test", user: "guest1")
        try calls.guest(bed, meeting: "weekly", domain: "acme.test", user: "guest2")
        let conference = try await waitForConference(bed.server, tenant: "acme", id: "weekly", participants: 3)
        let token = AdminTestBed.acmeToken
        let base = "/v1/tenants/acme/conferences/weekly"

        let list = try await bed.request("GET", "/v1/tenants/acme/conferences", token: token)
        let one = try await bed.request("GET", base, token: token)
        let roster = one.object["roster"] as? [[String: Any]] ?? []
        let guest1 = try #require(roster.first { ($0["uri"] as? String)?.contains("guest1") == true }?["endpoint"] as? String)
        let guest2 = try #require(roster.first { ($0["uri"] as? String)?.contains("guest2") == true }?["endpoint"] as? String)
        let participant = try await bed.request("GET", "\(base)/participants/\(pathEncoded(guest1))", token: token)

        let muteAll = try await bed.request("POST", "\(base)/mute-all", token: token)
        let mutedRoster = await conference.roster
        let unmuteAll = try await bed.request("POST", "\(base)/unmute-all", token: token)
        let mute = try await bed.request("POST", "\(base)/participants/\(pathEncoded(guest1))/mute", token: token)
        let unmute = try await bed.request("POST", "\(base)/participants/\(pathEncoded(guest1))/unmute", token: token)

        let lock = try await bed.request("POST", "\(base)/lock", token: token)
        let lateCaller = await waitForExit(
            try FocusSipp.launch(
                "invite-refused", port: bed.server.port, service: "weekly", domain: "acme.test", user: "late",
                fill: FocusJoinTests.failure(403), timeout: 20, directory: calls.callFolder()),
            timeout: 30)
        let unlock = try await bed.request("POST", "\(base)/unlock", token: token)

        let promote = try await bed.request("PUT", "\(base)/roles/bob", token: token, body: #"{"role": "presenter"}"#)
        let bobRole = await conference.role(of: "bob")
        let toOrganizer = try await bed.request("PUT", "\(base)/roles/bob", token: token, body: #"{"role": "organizer"}"#)
        let demoteOrganizer = try await bed.request("PUT", "\(base)/roles/alice", token: token, body: #"{"role": "attendee"}"#)
        let nobody = try await bed.request("PUT", "\(base)/roles/nobody", token: token, body: #"{"role": "presenter"}"#)
        let king = try await bed.request("PUT", "\(base)/roles/bob", token: token, body: #"{"role": "king"}"#)
        let badJSON = try await bed.request("PUT", "\(base)/roles/bob", token: token, body: #"{"role": "#)

        let metrics = try await bed.request("GET", "/metrics", token: AdminTestBed.operatorToken)
        let tenants = try await bed.request("GET", "/v1/tenants", token: token)

        let eject = try await bed.request("DELETE", "\(base)/participants/\(pathEncoded(guest2))", token: token)
        let afterEject = await conference.roster.map(\.endpoint.value)
        let ejectAgain = try await bed.request("DELETE", "\(base)/participants/\(pathEncoded(guest2))", token: token)
        let end = try await bed.request("DELETE", base, token: token)
        let stillLive = bed.server.focus.liveConference(tenant: "acme", id: "weekly") != nil
        let afterEnd = try await bed.request("GET", base, token: token)
        await bed.stop()

        #expect(list.status == 200 && list.array.count == 1 && list.array.first?["id"] as? String == "weekly")
        #expect(one.status == 200 && one.object["subject"] as? String == "Acme weekly" && one.object["uri"] as? String == "sip:weekly@acme.test")
        #expect(roster.count == 3)
        let alice = try #require(roster.first { $0["user"] as? String == "alice" })
        #expect(alice["role"] as? String == "organizer" && alice["status"] as? String == "connected")
        #expect(alice["joiningMethod"] as? String == "dialed-in" && alice["displayName"] as? String == "Alice A")
        #expect((alice["joinedAt"] as? String)?.hasSuffix("Z") == true && (alice["media"] as? [Any])?.count == 1)
        #expect(participant.status == 200 && participant.object["endpoint"] as? String == guest1, "\(participant.text)")

        #expect(muteAll.status == 200 && muteAll.object["changed"] as? Int == 2, "\(muteAll.text)")
        #expect(mutedRoster.filter(\.muted).map(\.user) == [nil, nil], "the guests are muted, alice is not")
        #expect(mutedRoster.first { $0.user == "alice" }?.status == .connected)
        #expect(mutedRoster.filter { $0.user == nil }.allSatisfy { $0.status == .mutedViaFocus })
        #expect(unmuteAll.object["changed"] as? Int == 2)
        #expect(mute.status == 200 && mute.object["muted"] as? Bool == true && mute.object["status"] as? String == "muted-via-focus")
        #expect(unmute.status == 200 && unmute.object["muted"] as? Bool == false)

        #expect(lock.status == 200 && lock.object["locked"] as? Bool == true)
        #expect(lateCaller.status == 0, "a caller is refused 403 while locked: \(lateCaller.output.suffix(800))")
        #expect(unlock.object["locked"] as? Bool == false)

        #expect(promote.status == 200 && promote.object["role"] as? String == "presenter" && bobRole == .presenter)
        #expect(toOrganizer.status == 400, "\(toOrganizer.text)")
        #expect(demoteOrganizer.status == 409 && demoteOrganizer.error?.contains("organizes") == true, "\(demoteOrganizer.text)")
        #expect(nobody.status == 404 && nobody.error == "no user nobody in this tenant")
        #expect(king.status == 400 && king.error?.contains("presenter or attendee") == true)
        #expect(badJSON.status == 400 && badJSON.error?.contains("not valid JSON") == true)

        // The registry is the process's: other tests' focuses (same tenant names) may have recorded too, so counters
        // are at least this test's and gauges are present.
        #expect(metricValue(metrics.text, #"consort_joins_total{tenant="acme"}"#) ?? 0 >= 3, "\(metrics.text)")
        #expect(metricValue(metrics.text, #"consort_join_failures_total{tenant="acme",reason="locked"}"#) ?? 0 >= 1)
        #expect(metricValue(metrics.text, #"consort_participants{tenant="acme"}"#) != nil)
        #expect(metricValue(metrics.text, #"consort_conferences{tenant="acme"}"#) != nil)
        #expect(metrics.text.contains("# TYPE consort_joins_total counter"))
        #expect((tenants.array.first?["usage"] as? [String: Any])?["participants"] as? Int == 3)

        #expect(eject.status == 204 && !afterEject.contains(guest2) && afterEject.count == 2)
        #expect(ejectAgain.status == 404 && ejectAgain.error?.contains("no participant") == true)
        #expect(end.status == 204 && !stillLive)
        #expect(afterEnd.status == 404 && afterEnd.error?.contains("no live conference weekly") == true)
    }

    @Test("an organizer's digest (SHA-256, MD5, and curl) controls their meeting; an attendee's, another meeting's or another tenant's do not")
    func organizerDigest() async throws {
        let bed = try await AdminTestBed.start()
        let calls = try SippCalls()
        defer { calls.stop() }
        try calls.guest(bed, meeting: "weekly", domain: "acme.test", user: "guest1")
        try calls.guest(bed, meeting: "board", domain: "acme.test", user: "guest2")
        try calls.guest(bed, meeting: "private", domain: "globex.test", user: "guest3")
        _ = try await waitForConference(bed.server, tenant: "acme", id: "weekly", participants: 1)
        _ = try await waitForConference(bed.server, tenant: "acme", id: "board", participants: 1)
        _ = try await waitForConference(bed.server, tenant: "globex", id: "private", participants: 1)
        let weekly = "/v1/tenants/acme/conferences/weekly"

        let sha = try await bed.digestRequest("GET", weekly, user: "alice", password: "alice-pw", algorithm: .sha256)
        let md5 = try await bed.digestRequest("POST", "\(weekly)/lock", user: "alice", password: "alice-pw", algorithm: .md5)
        let locked = await bed.server.focus.liveConference(tenant: "acme", id: "weekly")?.locked
        let curl = try await runAsync(
            "/usr/bin/curl",
            ["-s", "--digest", "-u", "alice:alice-pw", "-X", "POST", "-w", "\n%{http_code}", "http://127.0.0.1:\(bed.port)\(weekly)/unlock"],
            timeout: 10)
        let list = try await bed.digestRequest("GET", "/v1/tenants/acme/conferences", user: "alice", password: "alice-pw")
        let attendee = try await bed.digestRequest("POST", "\(weekly)/lock", user: "bob", password: "bob-pw")
        let otherMeeting = try await bed.digestRequest("GET", "/v1/tenants/acme/conferences/board", user: "alice", password: "alice-pw")
        let ownBoard = try await bed.digestRequest("GET", "/v1/tenants/acme/conferences/board", user: "bob", password: "bob-pw")
        let wrongPassword = try await bed.digestRequest("GET", weekly, user: "alice", password: "guess")
        let otherTenantsUser = try await bed.digestRequest("GET", weekly, user: "carol", password: "carol-pw")
        let otherTenant = try await bed.digestRequest("GET", "/v1/tenants/globex/conferences/private", user: "alice", password: "alice-pw")
        let carolOwn = try await bed.digestRequest("GET", "/v1/tenants/globex/conferences/private", user: "carol", password: "carol-pw")
        let endByOrganizer = try await bed.digestRequest("DELETE", "/v1/tenants/acme/conferences/board", user: "bob", password: "bob-pw")
        await bed.stop()

        #expect(sha.status == 200 && sha.object["id"] as? String == "weekly", "\(sha.text)")
        #expect(md5.status == 200 && locked == true, "\(md5.text)")
        #expect(curl.output.hasSuffix("\n200") && curl.output.contains(#""locked":false"#), "curl --digest: \(curl.output)")
        #expect(list.status == 200 && list.array.map { $0["id"] as? String } == ["weekly"], "only the conferences alice controls")
        #expect(attendee.status == 403 && attendee.error?.contains("neither the organizer nor a presenter") == true, "\(attendee.text)")
        #expect(otherMeeting.status == 403, "\(otherMeeting.text)")
        #expect(ownBoard.status == 200)
        #expect(wrongPassword.status == 401 && wrongPassword.error?.contains("refused") == true, "\(wrongPassword.text)")
        #expect(otherTenantsUser.status == 401, "carol is not a user in acme's realm: \(otherTenantsUser.text)")
        #expect(otherTenant.status == 401, "alice is not a user in globex's realm: \(otherTenant.text)")
        #expect(carolOwn.status == 200)
        #expect(endByOrganizer.status == 204)
    }

    @Test("a digest answer is good for its own request only: another URI, or the same nonce count again, is refused")
    func digestReplay() async throws {
        let bed = try await AdminTestBed.start()
        let calls = try SippCalls()
        defer { calls.stop() }
        try calls.guest(bed, meeting: "weekly", domain: "acme.test", user: "guest1")
        _ = try await waitForConference(bed.server, tenant: "acme", id: "weekly", participants: 1)
        let path = "/v1/tenants/acme/conferences/weekly"
        let challenge = try await bed.request("GET", path)
        let digest = try #require(challenge.challenges.first.flatMap(SIPDigestChallenge.init))
        let credentials = SIPCredentials(username: "alice", password: "alice-pw")
        let authorization = try #require(credentials.authorization(for: digest, method: SIPMethod("GET"), uri: path))
        let first = try await bed.request("GET", path, authorization: authorization)
        let replay = try await bed.request("GET", path, authorization: authorization)
        let moved = try await bed.request("POST", "\(path)/lock", authorization: authorization)
        await bed.stop()
        #expect(first.status == 200)
        #expect(replay.status == 401 && replay.error?.contains("replayed") == true, "\(replay.text)")
        #expect(moved.status == 401 && moved.error?.contains("not the request's") == true, "\(moved.text)")
    }
}

/// Background sipp callers for one test, stopped together.
final class SippCalls {
    let folder: URL
    private var calls: [(Process, URL)] = []

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-admin-sipp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// A folder of its own for one sipp (each writes its scenario file there: two launches must not share one).
    func callFolder() throws -> URL {
        let folder = self.folder.appendingPathComponent("call-\(calls.count)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// An anonymous caller that stays `seconds`.
    func guest(_ bed: AdminTestBed, meeting: String, domain: String, user: String, seconds: Int = 25) throws {
        calls.append(
            try FocusSipp.launch(
                "invite", port: bed.server.port, service: meeting, domain: domain, user: user, keys: ["pause": "\(seconds * 1000)"],
                timeout: seconds + 10, directory: try callFolder()))
    }

    /// A tenant user who answers the focus's (MD5) challenge and stays `seconds`.
    func organizer(_ bed: AdminTestBed, meeting: String, domain: String, user: String, password: String, seconds: Int = 25) throws {
        calls.append(
            try FocusSipp.launch(
                "invite-auth", port: bed.server.port, service: meeting, domain: domain, user: user, keys: ["pause": "\(seconds * 1000)"],
                fill: FocusJoinTests.success, extra: ["-au", user, "-ap", password], timeout: seconds + 10, directory: try callFolder()))
    }

    func stop() {
        for call in calls { _ = stopProgram(call, grace: 2) }
        try? FileManager.default.removeItem(at: folder)
    }
}

/// The value of one series in a Prometheus text exposition, nil when it is not there.
func metricValue(_ text: String, _ series: String) -> Double? {
    text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
}

/// An ID as one URL path segment (endpoint IDs carry `@` and `|`).
func pathEncoded(_ value: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
}
