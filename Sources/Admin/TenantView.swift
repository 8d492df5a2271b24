public import Focus

/// A tenant as `GET /v1/tenants` shows it: identity, domains, the policy its meetings start from, its quotas and
/// what it uses now.
public struct TenantView: Codable, Sendable, Equatable {
    public var id: String
    public var domains: [String]
    /// The digest realm its users authenticate in (SIP and this API).
    public var realm: String
    public var policy: MeetingPolicy
    public var quotas: TenantQuotas
    public var usage: Usage

    /// Live conferences and seats now, against ``TenantQuotas``.
    public struct Usage: Codable, Sendable, Equatable {
        public var conferences: Int
        public var participants: Int
    }

    public init(_ tenant: Tenant, usage: (conferences: Int, participants: Int)) {
        id = tenant.id
        domains = tenant.domains
        realm = tenant.realm
        policy = tenant.policy
        quotas = tenant.quotas
        self.usage = Usage(conferences: usage.conferences, participants: usage.participants)
    }
}
