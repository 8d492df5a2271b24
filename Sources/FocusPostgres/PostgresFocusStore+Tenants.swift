public import Focus
import PostgresNIO

extension PostgresFocusStore {
    /// Every tenant, ordered by ID.
    public func tenants() async throws(FocusStoreError) -> [Tenant] {
        try await perform("read the tenants") { client, logger in
            try await client.query("SELECT id, domains, policy, quotas, dial_out FROM tenants ORDER BY id", logger: logger)
                .collect().map(Tenant.init(row:))
        }
    }

    /// The users of a tenant, ordered by name; empty for an unknown tenant.
    public func users(tenant: String) async throws(FocusStoreError) -> [TenantUser] {
        try await perform("read the users of tenant \(tenant)") { client, logger in
            try await client.query(
                "SELECT tenant, name, display_name, ha1_md5, ha1_sha256 FROM users WHERE tenant = \(tenant) ORDER BY name",
                logger: logger
            ).collect().map(TenantUser.init(row:))
        }
    }
}
