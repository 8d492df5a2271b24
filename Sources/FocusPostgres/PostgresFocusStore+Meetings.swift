public import Focus
import PostgresNIO

extension PostgresFocusStore {
    /// The scheduled meetings of a tenant, from the configuration and the API, ordered by ID.
    public func meetings(tenant: String) async throws(FocusStoreError) -> [ScheduledMeeting] {
        try await perform("read the meetings of tenant \(tenant)") { client, logger in
            try await client.query(
                """
                SELECT tenant, id, organizer, presenters, passcode, subject, policy, source FROM meetings
                WHERE tenant = \(tenant) ORDER BY id
                """, logger: logger
            ).collect().map(ScheduledMeeting.init(row:))
        }
    }

    /// One scheduled meeting, or nil.
    public func meeting(tenant: String, id: String) async throws(FocusStoreError) -> ScheduledMeeting? {
        try await perform("read meeting \(id) of tenant \(tenant)") { client, logger in
            try await client.query(
                """
                SELECT tenant, id, organizer, presenters, passcode, subject, policy, source FROM meetings
                WHERE tenant = \(tenant) AND id = \(id)
                """, logger: logger
            ).collect().first.map(ScheduledMeeting.init(row:))
        }
    }

    /// Inserts or replaces a meeting (keyed by tenant and ID), keeping the `source` it carries.
    ///
    /// - Throws: ``FocusStoreError`` when the tenant does not exist.
    public func saveMeeting(_ meeting: ScheduledMeeting) async throws(FocusStoreError) {
        try await transaction("save meeting \(meeting.id) of tenant \(meeting.tenant)") { connection, logger in
            try await connection.requireTenant(meeting.tenant, logger: logger)
            try await connection.upsert(meeting, logger: logger)
        }
    }

    /// Removes a meeting, whatever its source; false when there was none.
    public func deleteMeeting(tenant: String, id: String) async throws(FocusStoreError) -> Bool {
        try await perform("delete meeting \(id) of tenant \(tenant)") { client, logger in
            try await !client.query("DELETE FROM meetings WHERE tenant = \(tenant) AND id = \(id) RETURNING id", logger: logger)
                .collect().isEmpty
        }
    }
}
