import Admin
import Foundation
import SIP
import Testing
import TestSupport

/// The admin API's doors: no credentials, bearer tokens (operator, tenant, unknown), HTTP digest by a meeting's
/// organizer (SHA-256 and MD5, also with curl as the client), `/health` and `/metrics`. Real HTTP on loopback.
@Suite("Admin API: credentials", .serialized, .timeLimit(.minutes(2)))
struct AdminAuthTests {
    @Test("/health needs no credentials; /metrics needs an operator token (401 without, 403 for a tenant token)")
    func healthAndMetricsDoors() async throws {
        let bed = try await AdminTestBed.start()
        let health = try await bed.request("GET", "/health")
        let anonymous = try await bed.request("GET", "/metrics")
        let tenant = try await bed.request("GET", "/metrics", token: AdminTestBed.acmeToken)
        let operatorMetrics = try await bed.request("GET", "/metrics", token: AdminTestBed.operatorToken)
        await bed.stop()
        #expect(health.status == 200 && health.object["status"] as? String == "ok")
        #expect(anonymous.status == 401 && anonymous.challenges == ["Bearer realm=\"consort-admin\""], "\(anonymous.headers)")
        #expect(tenant.status == 403 && tenant.error?.contains("operator token") == true, "\(tenant.text)")
        #expect(operatorMetrics.status == 200)
        #expect(operatorMetrics.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
    }

    @Test("admin.metricsPublic serves /metrics without a token")
    func publicMetrics() async throws {
        let bed = try await AdminTestBed.start(metricsPublic: true)
        let anonymous = try await bed.request("GET", "/metrics")
        await bed.stop()
        #expect(anonymous.status == 200)
    }

    @Test("no credentials: 401 with a JSON reason, digest challenges (SHA-256, MD5) in the tenant's realm and Bearer")
    func challenges() async throws {
        let bed = try await AdminTestBed.start()
        let none = try await bed.request("GET", "/v1/tenants/acme/conferences/weekly")
        let unknown = try await bed.request("GET", "/v1/tenants/acme/meetings", token: "not-a-token-at-all")
        let tenants = try await bed.request("GET", "/v1/tenants")
        await bed.stop()
        #expect(none.status == 401)
        #expect(none.error?.contains("Bearer") == true, "the reason says what to send: \(none.text)")
        let challenges = none.challenges
        #expect(challenges.count == 3, "\(challenges)")
        #expect(challenges.first?.hasPrefix("Digest realm=\"acme.test\"") == true && challenges.first?.contains("algorithm=SHA-256") == true)
        #expect(challenges.dropFirst().first?.contains("algorithm=MD5") == true && challenges.first?.contains("qop=\"auth\"") == true)
        #expect(challenges.last == "Bearer realm=\"consort-admin\"")
        #expect(unknown.status == 401 && unknown.error?.contains("not one this server knows") == true)
        #expect(tenants.status == 401 && tenants.challenges == ["Bearer realm=\"consort-admin\""], "no tenant, no digest realm")
    }

    @Test("GET /v1/tenants: the operator sees every tenant with policy, quotas and usage; a tenant token only its own")
    func tenantList() async throws {
        let bed = try await AdminTestBed.start()
        let all = try await bed.request("GET", "/v1/tenants", token: AdminTestBed.operatorToken)
        let acme = try await bed.request("GET", "/v1/tenants", token: AdminTestBed.acmeToken)
        let globex = try await bed.request("GET", "/v1/tenants", token: AdminTestBed.globexToken)
        await bed.stop()
        #expect(all.status == 200)
        #expect(all.array.map { $0["id"] as? String } == ["acme", "default", "globex"])
        #expect(acme.array.map { $0["id"] as? String } == ["acme"])
        #expect(globex.array.map { $0["id"] as? String } == ["globex"])
        let view = try #require(acme.array.first)
        #expect(view["domains"] as? [String] == ["acme.test"] && view["realm"] as? String == "acme.test")
        #expect((view["policy"] as? [String: Any])?["adHocMeetings"] as? Bool == false)
        #expect((view["quotas"] as? [String: Any])?["concurrentMeetings"] as? Int == 50, "the default quotas are small")
        #expect((view["usage"] as? [String: Any])?["participants"] as? Int == 0)
    }

    @Test("unknown routes and methods are JSON 404s that name them")
    func unknownRoute() async throws {
        let bed = try await AdminTestBed.start()
        let missing = try await bed.request("GET", "/v2/nothing", token: AdminTestBed.operatorToken)
        let method = try await bed.request("PATCH", "/v1/tenants", token: AdminTestBed.operatorToken)
        await bed.stop()
        #expect(missing.status == 404 && missing.error?.contains("no route GET /v2/nothing") == true, "\(missing.text)")
        #expect(method.status == 404 && method.error?.contains("PATCH") == true, "\(method.text)")
    }
}
