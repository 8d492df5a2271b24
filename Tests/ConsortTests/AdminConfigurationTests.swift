import Admin
import Focus
import Testing

@testable import consort

/// The `admin` section: defaults, overrides, and the mistakes it refuses with a reason; the token table.
@Suite("Admin API: configuration")
struct AdminConfigurationTests {
    @Test("without an admin section: 127.0.0.1:8080, no operator tokens, /metrics behind a token")
    func defaults() throws {
        let c = try ConsortConfiguration.parse("sip:\n  port: 5060\n", source: "test")
        #expect(c.admin == AdminConfiguration())
        #expect(c.admin.address == "127.0.0.1" && c.admin.port == 8080 && c.admin.operatorTokens.isEmpty && !c.admin.metricsPublic)
    }

    @Test("values in the file override the defaults")
    func overrides() throws {
        let c = try ConsortConfiguration.parse(
            "admin:\n  address: 0.0.0.0\n  port: 0\n  operatorTokens: [a-long-operator-token]\n  metricsPublic: true\n", source: "test")
        #expect(c.admin.address == "0.0.0.0" && c.admin.port == 0 && c.admin.metricsPublic)
        #expect(c.admin.operatorTokens == ["a-long-operator-token"])
    }

    @Test("mistakes are errors that say what is wrong")
    func problems() {
        let cases: [(String, String)] = [
            ("admin:\n  operatorToken: [x]\n", "unknown key admin.operatorToken"),
            ("admin:\n  port: 70000\n", "admin.port must be 0...65535"),
            ("admin:\n  operatorTokens: [short]\n", "at least 8 characters"),
            ("admin:\n  operatorTokens: ['has space in it']\n", "cannot contain spaces"),
            (
                "admin:\n  operatorTokens: [shared-token-1]\nfocus:\n  tenants:\n    - { id: a, adminTokens: [shared-token-1] }\n",
                "also given to the operator"
            ),
            (
                "focus:\n  tenants:\n    - { id: a, adminTokens: [same-token-9] }\n    - { id: b, adminTokens: [same-token-9] }\n",
                "also given to a"
            ),
            ("focus:\n  tenants:\n    - { id: a, adminTokens: [tiny] }\n", "focus.tenants a: each admin token must be at least 8"),
        ]
        for (yaml, message) in cases {
            let error = #expect(throws: ConfigurationError.self) { try ConsortConfiguration.parse(yaml, source: "t.yaml") }
            #expect(error?.description.contains(message) == true, "\(error?.description ?? "no error") should say \(message)")
        }
    }

    @Test("each token opens its own door; an unknown one, a prefix or an extension of a token opens none")
    func tokenTable() {
        var a = TenantConfiguration(id: "a")
        a.adminTokens = ["tenant-a-token"]
        let tokens = BearerTokens(operatorTokens: ["operator-token"], tenants: [a, TenantConfiguration(id: "b")])
        #expect(tokens.principal(for: "operator-token") == .operator)
        #expect(tokens.principal(for: "tenant-a-token") == .tenant("a"))
        for guess in ["", "operator-toke", "operator-token-", "tenant-a-tokeN", "x"] {
            #expect(tokens.principal(for: guess) == nil, "\(guess)")
        }
    }
}
