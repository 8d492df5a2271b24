import GRDB

extension SQLiteFocusStore {
    /// The schema, one named migration per change. GRDB records the applied names in `grdb_migrations` and runs
    /// the others in order on open; a change to the schema is a new `registerMigration` below, never an edit of an
    /// applied one.
    ///
    /// JSON columns hold the Codable model types (``MeetingPolicy``, ``TenantQuotas``, ``MeetingPolicyOverrides``,
    /// string arrays); `source` is a ``RecordSource`` raw value.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: tenants, users, meetings, registrations") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tenants (
                        id TEXT NOT NULL PRIMARY KEY,
                        domains TEXT NOT NULL,
                        policy TEXT NOT NULL,
                        quotas TEXT NOT NULL,
                        source TEXT NOT NULL CHECK (source IN ('configuration', 'api'))
                    );
                    CREATE TABLE users (
                        tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        name TEXT NOT NULL,
                        display_name TEXT NOT NULL,
                        ha1_md5 TEXT NOT NULL,
                        ha1_sha256 TEXT NOT NULL,
                        PRIMARY KEY (tenant, name)
                    );
                    CREATE TABLE meetings (
                        tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        id TEXT NOT NULL,
                        organizer TEXT,
                        presenters TEXT NOT NULL,
                        passcode TEXT,
                        subject TEXT NOT NULL,
                        policy TEXT NOT NULL,
                        source TEXT NOT NULL CHECK (source IN ('configuration', 'api')),
                        PRIMARY KEY (tenant, id)
                    );
                    CREATE TABLE registrations (
                        tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        user TEXT NOT NULL,
                        contact TEXT NOT NULL,
                        call_id TEXT NOT NULL,
                        cseq INTEGER NOT NULL,
                        expires REAL NOT NULL,
                        PRIMARY KEY (tenant, user, contact)
                    );
                    CREATE INDEX registrations_expires ON registrations (expires);
                    """)
        }
        migrator.registerMigration("v2: tenants.dial_out") { db in
            // Existing tenants get the default policy (their own users only) until the file is applied again.
            try db.execute(sql: "ALTER TABLE tenants ADD COLUMN dial_out TEXT NOT NULL DEFAULT '{}'")
        }
        migrator.registerMigration("v3: live conferences and participants") { db in
            // What a focus restarted mid-meeting rebuilds its conferences from; a conference's participants go with it.
            try db.execute(
                sql: """
                    CREATE TABLE live_conferences (
                        tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        meeting TEXT NOT NULL,
                        record TEXT NOT NULL,
                        PRIMARY KEY (tenant, meeting)
                    );
                    CREATE TABLE live_participants (
                        tenant TEXT NOT NULL,
                        meeting TEXT NOT NULL,
                        endpoint TEXT NOT NULL,
                        record TEXT NOT NULL,
                        PRIMARY KEY (tenant, meeting, endpoint),
                        FOREIGN KEY (tenant, meeting) REFERENCES live_conferences(tenant, meeting) ON DELETE CASCADE
                    );
                    """)
        }
        migrator.registerMigration("v4: live subscriptions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE live_subscriptions (
                        tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        dialog TEXT NOT NULL,
                        record TEXT NOT NULL,
                        PRIMARY KEY (tenant, dialog)
                    );
                    """)
        }
        return migrator
    }
}
