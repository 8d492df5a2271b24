public import Focus

/// The bearer tokens the admin API accepts, each mapped to what it opens. Lookups compare the candidate with every
/// token in constant time (per token length), so the time an answer takes says nothing about how close a guess was.
public struct BearerTokens: Sendable {
    private let entries: [(token: [UInt8], principal: AdminPrincipal)]

    /// Operator tokens see every tenant; each tenant's `adminTokens` see only that tenant.
    public init(operatorTokens: [String], tenants: [TenantConfiguration]) {
        var entries = operatorTokens.filter { !$0.isEmpty }.map { (Array($0.utf8), AdminPrincipal.operator) }
        for tenant in tenants {
            entries += tenant.adminTokens.filter { !$0.isEmpty }.map { (Array($0.utf8), AdminPrincipal.tenant(tenant.id)) }
        }
        self.entries = entries
    }

    /// The principal a token opens, or nil for an unknown token. Every entry is compared, match or not.
    public func principal(for token: String) -> AdminPrincipal? {
        let candidate = Array(token.utf8)
        var found: AdminPrincipal?
        for entry in entries where Self.constantTimeEqual(entry.token, candidate) && found == nil {
            found = entry.principal
        }
        return found
    }

    /// Compares two byte strings without an early exit on the first difference.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
        }
        return difference == 0 && a.count == b.count
    }
}
