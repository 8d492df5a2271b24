public import Focus

/// The `admin` section of `Config/consort.yaml`: where the HTTP admin API listens and who may use it beyond the
/// tenants' own tokens (`focus.tenants[].adminTokens`) and their organizers' digest credentials.
public struct AdminConfiguration: Sendable, Codable, Equatable {
    /// Address the HTTP server binds to. The default keeps the API on this machine; `0.0.0.0` opens it to every
    /// network the host is on (put TLS in front of it then: bearer tokens travel in clear text).
    public var address: String = "127.0.0.1"
    /// TCP port; 0 picks a free one (logged at start).
    public var port: Int = 8080
    /// Bearer tokens that see and control every tenant, and read `/metrics`. Empty: only tenant tokens and
    /// organizers' digest credentials are accepted.
    public var operatorTokens: [String] = []
    /// Serve `/metrics` without a token (for a Prometheus scraper on a trusted network).
    public var metricsPublic: Bool = false

    /// The defaults: 127.0.0.1:8080, no operator tokens, `/metrics` behind a token.
    public init() {}

    enum CodingKeys: String, CodingKey { case address, port, operatorTokens, metricsPublic }

    /// Decodes the section; a missing key takes its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AdminConfiguration()
        address = try c.decodeIfPresent(String.self, forKey: .address) ?? d.address
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? d.port
        operatorTokens = try c.decodeIfPresent([String].self, forKey: .operatorTokens) ?? d.operatorTokens
        metricsPublic = try c.decodeIfPresent(Bool.self, forKey: .metricsPublic) ?? d.metricsPublic
    }

    /// What is wrong, said so the operator can fix the file; nil when nothing is.
    public func validationProblem() -> String? {
        if address.isEmpty { return "admin.address must be an IP address such as 127.0.0.1" }
        if !(0...65535).contains(port) { return "admin.port must be 0...65535 (0 picks a free port)" }
        if operatorTokens.contains(where: { $0.count < 8 }) {
            return "admin.operatorTokens: each token must be at least 8 characters"
        }
        if operatorTokens.contains(where: { $0.contains(where: \.isWhitespace) }) {
            return "admin.operatorTokens: a token cannot contain spaces"
        }
        return nil
    }

    /// Also checks the tenants' tokens: one token must open exactly one door, so a token given to two tenants, or to
    /// a tenant and the operator, is refused.
    public func validationProblem(tenants: [TenantConfiguration]) -> String? {
        if let problem = validationProblem() { return problem }
        var owners: [String: String] = [:]
        for token in operatorTokens {
            if owners[token] != nil { return "admin.operatorTokens: a token is listed twice" }
            owners[token] = "the operator"
        }
        for tenant in tenants {
            for token in tenant.adminTokens {
                if token.count < 8 || token.contains(where: \.isWhitespace) {
                    return "focus.tenants \(tenant.id): each admin token must be at least 8 characters, without spaces"
                }
                if let owner = owners[token], owner != tenant.id {
                    return "focus.tenants \(tenant.id): an admin token is also given to \(owner); give each its own"
                }
                owners[token] = tenant.id
            }
        }
        return nil
    }
}
