public import Focus
import GRDB

extension SQLiteFocusStore {
    /// Makes the database hold what the configuration declares, in one transaction (all of it or, on error, none):
    ///
    /// - every given tenant, user and meeting is inserted or updated, with source `configuration` (the `source` of
    ///   the given meetings is not read);
    /// - configuration tenants not given are deleted, and with them their users, meetings (API ones too) and
    ///   registrations;
    /// - users of the given tenants that are not given are deleted (users come only from the configuration), and
    ///   so are their registrations, which no longer name anyone who can register;
    /// - configuration meetings not given are deleted; meetings created through the API are left alone.
    ///
    /// A configured meeting with the ID of an API meeting of the same tenant replaces it: the file wins, and the
    /// meeting becomes a configuration one (so it goes when the file stops declaring it).
    ///
    /// - Throws: ``FocusStoreError`` when a user or meeting names a tenant the configuration does not give, or when
    ///   SQLite fails; the database is then unchanged.
    public func applyConfiguration(
        tenants: [Tenant], users: [TenantUser], meetings: [ScheduledMeeting]
    ) async throws(FocusStoreError) {
        try await write("apply the configuration") { db in
            let tenantIDs = Set(tenants.map(\.id))
            for tenant in tenants {
                try db.upsert(tenant, source: .configuration)
            }
            for id in try String.fetchAll(db, sql: "SELECT id FROM tenants WHERE source = 'configuration'")
            where !tenantIDs.contains(id) {
                try db.execute(sql: "DELETE FROM tenants WHERE id = ?", arguments: [id])
            }

            for user in users {
                guard tenantIDs.contains(user.tenant) else {
                    throw FocusStoreError("user \(user.name) belongs to tenant \(user.tenant), which the configuration does not declare")
                }
                try db.upsert(user)
            }
            let userKeys = Set(users.map { RecordKey(tenant: $0.tenant, id: $0.name) })
            for key in try RecordKey.fetchAll(db, sql: "SELECT tenant, name AS id FROM users")
            where tenantIDs.contains(key.tenant) && !userKeys.contains(key) {
                try db.execute(sql: "DELETE FROM users WHERE tenant = ? AND name = ?", arguments: [key.tenant, key.id])
                try db.execute(sql: "DELETE FROM registrations WHERE tenant = ? AND user = ?", arguments: [key.tenant, key.id])
            }

            for var meeting in meetings {
                guard tenantIDs.contains(meeting.tenant) else {
                    throw FocusStoreError(
                        "meeting \(meeting.id) belongs to tenant \(meeting.tenant), which the configuration does not declare")
                }
                meeting.source = .configuration
                try db.upsert(meeting)
            }
            let meetingKeys = Set(meetings.map { RecordKey(tenant: $0.tenant, id: $0.id) })
            for key in try RecordKey.fetchAll(db, sql: "SELECT tenant, id FROM meetings WHERE source = 'configuration'")
            where !meetingKeys.contains(key) {
                try db.execute(sql: "DELETE FROM meetings WHERE tenant = ? AND id = ?", arguments: [key.tenant, key.id])
            }
        }
    }
}

/// A record's key within its tenant (a user's name, a meeting's ID).
private struct RecordKey: Hashable {
    var tenant: String
    var id: String

    static func fetchAll(_ db: Database, sql: String) throws -> [RecordKey] {
        try Row.fetchAll(db, sql: sql).map { row in
            RecordKey(tenant: try row.decode(forColumn: "tenant"), id: try row.decode(forColumn: "id"))
        }
    }
}
