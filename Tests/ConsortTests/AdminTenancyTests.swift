import Admin
import Focus
import Foundation
import Testing
import TestSupport

/// Tenant isolation in the admin API: a tenant's token on another tenant's URL gets exactly the answer a tenant that
/// does not exist gets (status and body), on every route, with that tenant's conference live; nothing changes there;
/// each attempt is logged at notice with the token's tenant and the target.
@Suite("Admin API: tenant isolation", .serialized, .timeLimit(.minutes(2)))
struct AdminTenancyTests {
    /// Every tenant route, for tenant `t`, with a body where the route takes one. `{e}` is a participant.
    static func routes(_ t: String, endpoint e: String) -> [(String, String, String?)] {
        [
            ("GET", "/v1/tenants/\(t)/meetings", nil),
            ("POST", "/v1/tenants/\(t)/meetings", #"{"id": "intruder"}"#),
            ("GET", "/v1/tenants/\(t)/meetings/private", nil),
            ("PUT", "/v1/tenants/\(t)/meetings/private", #"{"subject": "mine now"}"#),
            ("DELETE", "/v1/tenants/\(t)/meetings/private", nil),
            ("GET", "/v1/tenants/\(t)/conferences", nil),
            ("GET", "/v1/tenants/\(t)/conferences/private", nil),
            ("POST", "/v1/tenants/\(t)/conferences/private/lock", nil),
            ("POST", "/v1/tenants/\(t)/conferences/private/unlock", nil),
            ("POST", "/v1/tenants/\(t)/conferences/private/mute-all", nil),
            ("POST", "/v1/tenants/\(t)/conferences/private/unmute-all", nil),
            ("PUT", "/v1/tenants/\(t)/conferences/private/roles/carol", #"{"role": "attendee"}"#),
            ("POST", "/v1/tenants/\(t)/conferences/private/participants", #"{"uri": "sip:someone@127.0.0.1:9"}"#),
            ("GET", "/v1/tenants/\(t)/conferences/private/participants/\(e)", nil),
            ("POST", "/v1/tenants/\(t)/conferences/private/participants/\(e)/mute", nil),
            ("POST", "/v1/tenants/\(t)/conferences/private/participants/\(e)/unmute", nil),
            ("POST", "/v1/tenants/\(t)/conferences/private/participants/\(e)/admit", nil),
            ("POST", "/v1/tenants/\(t)/conferences/private/participants/\(e)/deny", nil),
            ("DELETE", "/v1/tenants/\(t)/conferences/private/participants/\(e)", nil),
            ("DELETE", "/v1/tenants/\(t)/conferences/private", nil),
        ]
    }

    @Test("acme's token on globex's tenant, meetings, conference and participant: the same 404 as a missing tenant, no effect, logged")
    func crossTenantIsNotFound() async throws {
        let bed = try await AdminTestBed.start()
        let calls = try SippCalls()
        defer { calls.stop() }
        try calls.guest(bed, meeting: "private", domain: "globex.test", user: "victim")
        let conference = try await waitForConference(bed.server, tenant: "globex", id: "private", participants: 1)
        let endpoint = pathEncoded(try #require(await conference.roster.first?.endpoint.value))
        let meetingBefore = bed.server.focus.directory.meeting(tenant: "globex", id: "private")

        // The same requests at a tenant that does not exist ("globex-x"), by acme's token and by the operator's.
        var mismatches: [String] = []
        for (method, path, body) in Self.routes("globex", endpoint: endpoint) {
            let missingPath = path.replacingOccurrences(of: "/globex/", with: "/globex-x/")
            let cross = try await bed.request(method, path, token: AdminTestBed.acmeToken, body: body)
            let missing = try await bed.request(method, missingPath, token: AdminTestBed.acmeToken, body: body)
            let missingForOperator = try await bed.request(method, missingPath, token: AdminTestBed.operatorToken, body: body)
            if cross.status != 404 { mismatches.append("\(method) \(path): \(cross.status) \(cross.text)") }
            let expected = missing.text.replacingOccurrences(of: "globex-x", with: "globex")
            if cross.text != expected || cross.header("Content-Type") != missing.header("Content-Type") {
                mismatches.append("\(method) \(path): \(cross.text) differs from a missing tenant's \(missing.text)")
            }
            if missingForOperator.status != 404 || missingForOperator.text != missing.text {
                mismatches.append("\(method) \(path): the operator's 404 differs: \(missingForOperator.text)")
            }
        }
        let globexStill = try await bed.request("GET", "/v1/tenants/globex/conferences/private", token: AdminTestBed.globexToken)
        let meetingAfter = bed.server.focus.directory.meeting(tenant: "globex", id: "private")
        let intruder = bed.server.focus.directory.meeting(tenant: "globex", id: "intruder")
        let notices = bed.logs.all.filter { $0.level == .notice && $0.metadata["targetTenant"] == "globex" }
        await bed.stop()

        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        #expect(globexStill.status == 200 && globexStill.object["locked"] as? Bool == false)
        #expect((globexStill.object["roster"] as? [[String: Any]])?.count == 1, "the participant was not ejected, muted or denied")
        #expect(((globexStill.object["roster"] as? [[String: Any]])?.first?["muted"] as? Bool) == false)
        #expect(meetingAfter == meetingBefore && intruder == nil)
        #expect(notices.count == Self.routes("globex", endpoint: endpoint).count, "one notice per attempt: \(notices.map(\.message))")
        #expect(notices.allSatisfy { $0.metadata["tokenTenant"] == "acme" && $0.metadata["target"]?.contains("/v1/tenants/globex/") == true })
        #expect(notices.allSatisfy { $0.metadata["subsystem"] == "admin" })
    }

    @Test("the 404 body names only what the URL says: a tenant token cannot tell another tenant from a missing one")
    func bodyShape() async throws {
        let bed = try await AdminTestBed.start()
        let cross = try await bed.request("GET", "/v1/tenants/globex/meetings", token: AdminTestBed.acmeToken)
        let missing = try await bed.request("GET", "/v1/tenants/nosuch/meetings", token: AdminTestBed.acmeToken)
        await bed.stop()
        #expect(cross.status == 404 && missing.status == 404)
        #expect(cross.error == "no tenant globex (or not one these credentials may see)")
        #expect(missing.error == "no tenant nosuch (or not one these credentials may see)")
    }
}
