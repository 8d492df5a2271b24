/// Who is asking, as the admin API established it from the request's credentials.
public enum AdminPrincipal: Sendable, Equatable, CustomStringConvertible {
    /// An operator token (`admin.operatorTokens`): every tenant.
    case `operator`
    /// A tenant's token (`focus.tenants[].adminTokens`): that tenant only.
    case tenant(String)
    /// A tenant user who answered a digest challenge in the tenant's realm: the conferences they organize or present.
    case user(tenant: String, name: String)
    /// No credentials, on a route that needs none (`/health`, a public `/metrics`).
    case anonymous

    /// Whether the principal may see `tenant` at all.
    public func sees(tenant: String) -> Bool {
        switch self {
        case .operator: true
        case .tenant(let own): own == tenant
        case .user(let own, _): own == tenant
        case .anonymous: false
        }
    }

    /// For logs: what kind of credentials, and whose.
    public var description: String {
        switch self {
        case .operator: "operator"
        case .tenant(let id): "tenant \(id) token"
        case .user(let tenant, let name): "user \(name) of \(tenant)"
        case .anonymous: "anonymous"
        }
    }

    /// The tenant whose credentials these are; nil for the operator and anonymous.
    public var ownTenant: String? {
        switch self {
        case .tenant(let id), .user(let id, _): id
        case .operator, .anonymous: nil
        }
    }
}
