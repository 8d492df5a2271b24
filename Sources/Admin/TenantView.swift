public import Focus

/// A tenant as `GET /v1/tenants` shows it: identity, domains, the policy its meetings start from, its quotas and
/// what it uses now.
public struct TenantView: Codable, Sendable, Equatable {
    /// The tenant ID used in URLs.
    public var id: String
    /// SIP domains that reach it.
    public var domains: [String]
    /// The digest realm its users authenticate in (SIP and this API).
    public var realm: String
    /// Defaults for its meetings.
    public var policy: MeetingPolicy
    /// Limits on what it may use at once.
    public var quotas: TenantQuotas
    /// What it uses now.
    public var usage: Usage

    /// Live conferences and seats now, against ``TenantQuotas``.
    public struct Usage: Codable, Sendable, Equatable {
        /// Live conferences.
        public var conferences: Int
        /// Seats over all its conferences.
        public var participants: Int
    }

    /// The view of a tenant and its usage.
    public init(_ tenant: Tenant, usage: (conferences: Int, participants: Int)) {
        id = tenant.id
        domains = tenant.domains
        realm = tenant.realm
        policy = tenant.policy
        quotas = tenant.quotas
        self.usage = Usage(conferences: usage.conferences, participants: usage.participants)
    }
}
