import Foundation
public import Focus
public import Hummingbird
import SIP

/// Establishes who sent a request: `Authorization: Bearer <token>` (operator or tenant token), or HTTP Digest
/// (RFC 7616, SHA-256 and MD5, qop=auth) by a user of the tenant the URL names, checked in that tenant's realm
/// against the stored HA1. Anything else is a 401 that challenges for both.
public struct AdminAuthenticator: Sendable {
    let tokens: BearerTokens
    let directory: TenantDirectory
    let digest: DigestAuthenticator

    /// `nonceLifetimeSeconds`: how long a digest nonce may be used (the SIP side's setting is a good value).
    public init(tokens: BearerTokens, directory: TenantDirectory, nonceLifetimeSeconds: Int = 300) {
        self.tokens = tokens
        self.directory = directory
        self.digest = DigestAuthenticator(
            lifetimeSeconds: nonceLifetimeSeconds, algorithms: [.sha256, .md5],
            lookup: { realm, user, algorithm in directory.ha1(realm: realm, username: user, algorithm: algorithm) })
    }

    /// The principal behind `request`. `tenant` is the tenant the URL names, if any: digest credentials are checked
    /// in its realm (a tenant that does not exist gets a realm of its ID, so the challenge does not tell).
    public func authenticate(_ request: Request, tenant: String?) throws(AdminError) -> AdminPrincipal {
        let values = request.headers[values: .authorization]
        let realm = tenant.map { directory.tenant(id: $0)?.realm ?? $0 }
        if let bearer = values.lazy.compactMap(Self.bearerToken).first {
            guard let principal = tokens.principal(for: bearer) else {
                throw unauthorized("the bearer token is not one this server knows", realm: realm)
            }
            return principal
        }
        let digestValues = values.filter { $0.lowercased().hasPrefix("digest ") }
        guard !digestValues.isEmpty else {
            throw unauthorized("credentials needed: Authorization: Bearer <token>, or digest as a user of the tenant", realm: realm)
        }
        guard let tenant, let realm else {
            throw unauthorized("digest credentials work only on a tenant's conference routes; use a bearer token here", realm: nil)
        }
        switch digest.verify(
            authorizations: digestValues, method: request.method.rawValue, realm: realm, requestURI: request.uri.description)
        {
        case .authenticated(let user):
            return .user(tenant: tenant, name: user)
        case .challenge(let stale):
            let why = stale ? "the digest nonce expired; answer the new challenge" : "digest credentials must be for realm \(realm)"
            throw unauthorized(why, realm: realm, stale: stale)
        case .rejected(let why):
            throw unauthorized("digest credentials refused: \(why)", realm: realm)
        }
    }

    /// A 401 with a fresh digest challenge per algorithm (when the route names a tenant) and a Bearer challenge.
    func unauthorized(_ reason: String, realm: String?, stale: Bool = false) -> AdminError {
        var challenges = realm.map { digest.challenges(realm: $0, stale: stale) } ?? []
        challenges.append("Bearer realm=\"consort-admin\"")
        return AdminError(.unauthorized, reason, challenges: challenges)
    }

    /// The token of a `Bearer` authorization value (RFC 6750 §2.1), nil for other schemes.
    static func bearerToken(_ value: String) -> String? {
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
