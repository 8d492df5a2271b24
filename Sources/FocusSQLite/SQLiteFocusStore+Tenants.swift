public import Focus
import GRDB

extension SQLiteFocusStore {
    /// Every tenant, ordered by ID.
    public func tenants() async throws(FocusStoreError) -> [Tenant] {
        try await read("read the tenants") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tenants ORDER BY id").map(Tenant.init(row:))
        }
    }

    /// The users of a tenant, ordered by name; empty for an unknown tenant.
    public func users(tenant: String) async throws(FocusStoreError) -> [TenantUser] {
        try await read("read the users of tenant \(tenant)") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM users WHERE tenant = ? ORDER BY name", arguments: [tenant])
                .map(TenantUser.init(row:))
        }
    }
}
