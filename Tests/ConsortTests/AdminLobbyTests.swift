import Admin
import Focus
import Foundation
import SIP
import SIPWire
import Testing
import TestSupport

/// The lobby and dial-out through the admin API, with sipp as the callers (lobby) and as the callee (dial-out).
@Suite("Admin API: lobby and dial-out", .serialized, .timeLimit(.minutes(2)))
struct AdminLobbyTests {
    @Test("lobby: callers wait as pending; admit (token) lets one in, deny (organizer's digest) hangs up on the other; an attendee may do neither")
    func admitAndDeny() async throws {
        let bed = try await AdminTestBed.start()
        let calls = try SippCalls()
        defer { calls.stop() }
        let admitted = try FocusSipp.launch(
            "invite-media", port: bed.server.port, service: "townhall", domain: "acme.test", user: "waiting1", keys: ["pause": "1000"],
            fill: ["ANSWER_CHECK": "a=sendonly", "AFTER": FocusAdmissionTests.answerReINVITE + FocusAdmissionTests.hangUp],
            directory: try calls.callFolder())
        let denied = try FocusSipp.launch(
            "invite-media", port: bed.server.port, service: "townhall", domain: "acme.test", user: "waiting2",
            fill: ["ANSWER_CHECK": "a=sendonly", "AFTER": FocusAdmissionTests.awaitBye], directory: try calls.callFolder())
        let conference = try await waitForRoster(bed, "townhall") { $0.count == 2 && $0.allSatisfy { $0.status == .pending } }
        let roster = await conference.roster
        let first = pathEncoded(try #require(roster.first { $0.uri.contains("waiting1") }).endpoint.value)
        let second = pathEncoded(try #require(roster.first { $0.uri.contains("waiting2") }).endpoint.value)
        let base = "/v1/tenants/acme/conferences/townhall/participants"

        let listed = try await bed.request("GET", "/v1/tenants/acme/conferences/townhall", token: AdminTestBed.acmeToken)
        let byAttendee = try await bed.digestRequest("POST", "\(base)/\(first)/admit", user: "bob", password: "bob-pw")
        let admit = try await bed.request("POST", "\(base)/\(first)/admit", token: AdminTestBed.acmeToken)
        let admitAgain = try await bed.request("POST", "\(base)/\(first)/admit", token: AdminTestBed.acmeToken)
        let denyAdmitted = try await bed.request("POST", "\(base)/\(first)/deny", token: AdminTestBed.acmeToken)
        let deny = try await bed.digestRequest("POST", "\(base)/\(second)/deny", user: "alice", password: "alice-pw")
        let deniedResult = await waitForExit(denied, timeout: 10)
        let denyAgain = try await bed.request("POST", "\(base)/\(second)/deny", token: AdminTestBed.acmeToken)
        let admittedResult = await waitForExit(admitted, timeout: 15)
        await bed.stop()

        let statuses = (listed.object["roster"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
        #expect(statuses == ["pending", "pending"], "\(listed.text)")
        #expect(byAttendee.status == 403, "\(byAttendee.text)")
        #expect(admit.status == 200 && admit.object["status"] as? String == "connected", "\(admit.text)")
        #expect(admitAgain.status == 409 && admitAgain.error?.contains("not waiting in the lobby") == true, "\(admitAgain.text)")
        #expect(denyAdmitted.status == 409)
        #expect(deny.status == 204, "\(deny.text)")
        #expect(denyAgain.status == 404, "the denied caller is gone: \(denyAgain.text)")
        #expect(deniedResult.status == 0, "the denied caller got BYE: \(deniedResult.output.suffix(1_000))")
        #expect(admittedResult.status == 0, "the admitted caller got the re-INVITE to sendrecv: \(admittedResult.output.suffix(1_000))")
    }

    @Test("dial-out: 202 with the endpoint, the meeting started if needed, the callee connected (sipp UAS), then ejected")
    func dialOut() async throws {
        let bed = try await AdminTestBed.start()
        let calls = try SippCalls()
        defer { calls.stop() }
        let calleePort = freePort(udpAndTCP: false)
        let callee = try FocusSipp.launchAnswerer(port: calleePort, timeout: 20, directory: calls.callFolder())
        let base = "/v1/tenants/acme/conferences/board/participants"
        let body = #"{"uri": "sip:callee@127.0.0.1:\#(calleePort)"}"#

        let notHers = try await bed.digestRequest("POST", base, user: "alice", password: "alice-pw", body: body)
        let startedByAlice = bed.server.focus.liveConference(tenant: "acme", id: "board") != nil
        let badURI = try await bed.request("POST", base, token: AdminTestBed.acmeToken, body: #"{"uri": "tel:+15551234"}"#)
        let noURI = try await bed.request("POST", base, token: AdminTestBed.acmeToken, body: #"{}"#)
        let noMeeting = try await bed.request(
            "POST", "/v1/tenants/acme/conferences/nosuch/participants", token: AdminTestBed.acmeToken, body: body)
        let dial = try await bed.digestRequest("POST", base, user: "bob", password: "bob-pw", body: body)
        let endpoint = try #require(dial.object["endpoint"] as? String, "\(dial.text)")
        let conference = try await waitForRoster(bed, "board") { $0.contains { $0.endpoint.value == endpoint && $0.status == .connected } }
        let participant = try await bed.request("GET", "\(base)/\(pathEncoded(endpoint))", token: AdminTestBed.acmeToken)
        let eject = try await bed.request("DELETE", "\(base)/\(pathEncoded(endpoint))", token: AdminTestBed.acmeToken)
        let calleeResult = await waitForExit(callee, timeout: 10)
        _ = conference
        await bed.stop()

        #expect(notHers.status == 403 && !startedByAlice, "alice may not start bob's meeting: \(notHers.text)")
        #expect(badURI.status == 400 && badURI.error?.contains("SIP URI") == true, "\(badURI.text)")
        #expect(noURI.status == 400 && noURI.error?.contains("missing field uri") == true, "\(noURI.text)")
        #expect(noMeeting.status == 404, "\(noMeeting.text)")
        #expect(dial.status == 202 && dial.header("Location")?.hasSuffix("/participants/\(endpoint)") == true, "\(dial.text)")
        #expect(participant.object["joiningMethod"] as? String == "dialed-out" && participant.object["status"] as? String == "connected")
        #expect(eject.status == 204)
        #expect(calleeResult.status == 0, "the callee answered and got BYE: \(calleeResult.output.suffix(1_000))")
    }

    /// Waits until a conference's roster satisfies `condition`.
    func waitForRoster(
        _ bed: AdminTestBed, _ meeting: String, timeout: Double = 10, _ condition: @escaping ([RosterEntry]) -> Bool
    ) async throws -> FocusConference {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let c = bed.server.focus.liveConference(tenant: "acme", id: meeting), condition(await c.roster) { return c }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw ConferenceTimeout(description: "acme/\(meeting): the roster did not reach the expected state in \(timeout) s")
    }
}
