public import Focus
import PostgresNIO

extension PostgresFocusStore {
    /// Makes the database hold what the configuration declares, in one transaction (all of it or, on error, none), as
    /// ``SQLiteFocusStore/applyConfiguration(tenants:users:meetings:)`` does:
    ///
    /// - every given tenant, user and meeting is inserted or updated, with source `configuration`;
    /// - configuration tenants not given are deleted, and with them their users, meetings (API ones too) and
    ///   registrations;
    /// - users of the given tenants that are not given are deleted, and so are their registrations;
    /// - configuration meetings not given are deleted; meetings created through the API are left alone.
    ///
    /// - Throws: ``FocusStoreError`` when a user or meeting names a tenant the configuration does not give, or when
    ///   PostgreSQL fails; the database is then unchanged.
    public func applyConfiguration(
        tenants: [Tenant], users: [TenantUser], meetings: [ScheduledMeeting]
    ) async throws(FocusStoreError) {
        try await transaction("apply the configuration") { connection, logger in
            let tenantIDs = Set(tenants.map(\.id))
            for tenant in tenants {
                try await connection.upsert(tenant, source: .configuration, logger: logger)
            }
            try await connection.execute(
                "DELETE FROM tenants WHERE source = 'configuration' AND NOT (id = ANY(\(Array(tenantIDs))))", logger: logger)

            for user in users {
                guard tenantIDs.contains(user.tenant) else {
                    throw FocusStoreError("user \(user.name) belongs to tenant \(user.tenant), which the configuration does not declare")
                }
                try await connection.upsert(user, logger: logger)
            }
            let userKeys = Set(users.map { RecordKey(tenant: $0.tenant, id: $0.name) })
            for row in try await connection.query("SELECT tenant, name FROM users", logger: logger).collect() {
                let (tenant, name) = try row.decode((String, String).self)
                guard tenantIDs.contains(tenant), !userKeys.contains(RecordKey(tenant: tenant, id: name)) else { continue }
                try await connection.execute("DELETE FROM users WHERE tenant = \(tenant) AND name = \(name)", logger: logger)
                try await connection.execute("DELETE FROM registrations WHERE tenant = \(tenant) AND user_name = \(name)", logger: logger)
            }

            for var meeting in meetings {
                guard tenantIDs.contains(meeting.tenant) else {
                    throw FocusStoreError(
                        "meeting \(meeting.id) belongs to tenant \(meeting.tenant), which the configuration does not declare")
                }
                meeting.source = .configuration
                try await connection.upsert(meeting, logger: logger)
            }
            let meetingKeys = Set(meetings.map { RecordKey(tenant: $0.tenant, id: $0.id) })
            for row in try await connection.query("SELECT tenant, id FROM meetings WHERE source = 'configuration'", logger: logger).collect() {
                let (tenant, id) = try row.decode((String, String).self)
                guard !meetingKeys.contains(RecordKey(tenant: tenant, id: id)) else { continue }
                try await connection.execute("DELETE FROM meetings WHERE tenant = \(tenant) AND id = \(id)", logger: logger)
            }
        }
    }
}

/// A record's key within its tenant (a user's name, a meeting's ID).
private struct RecordKey: Hashable {
    var tenant: String
    var id: String
}
