public import Focus
import GRDB

extension SQLiteFocusStore {
    /// The scheduled meetings of a tenant, from the configuration and the API, ordered by ID.
    public func meetings(tenant: String) async throws(FocusStoreError) -> [ScheduledMeeting] {
        try await read("read the meetings of tenant \(tenant)") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM meetings WHERE tenant = ? ORDER BY id", arguments: [tenant])
                .map(ScheduledMeeting.init(row:))
        }
    }

    /// One scheduled meeting, or nil.
    public func meeting(tenant: String, id: String) async throws(FocusStoreError) -> ScheduledMeeting? {
        try await read("read meeting \(id) of tenant \(tenant)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM meetings WHERE tenant = ? AND id = ?", arguments: [tenant, id])
                .map(ScheduledMeeting.init(row:))
        }
    }

    /// Inserts or replaces a meeting (keyed by tenant and ID), keeping the `source` it carries.
    ///
    /// - Throws: ``FocusStoreError`` when the tenant does not exist.
    public func saveMeeting(_ meeting: ScheduledMeeting) async throws(FocusStoreError) {
        try await write("save meeting \(meeting.id) of tenant \(meeting.tenant)") { db in
            try db.requireTenant(meeting.tenant)
            try db.upsert(meeting)
        }
    }

    /// Removes a meeting, whatever its source; false when there was none.
    public func deleteMeeting(tenant: String, id: String) async throws(FocusStoreError) -> Bool {
        try await write("delete meeting \(id) of tenant \(tenant)") { db in
            try db.execute(sql: "DELETE FROM meetings WHERE tenant = ? AND id = ?", arguments: [tenant, id])
            return db.changesCount > 0
        }
    }
}
