extension PostgresSchema {
    /// The focus's tables: the same migrations as the SQLite store's (`SQLiteFocusStore+Schema.swift`), in PostgreSQL's
    /// words. JSON columns are `jsonb`; keys and names sort byte-wise (`COLLATE "C"`), as SQLite's do, whatever the
    /// database's locale; a registration's user is `user_name`, `user` being a reserved word here.
    public static let focus = PostgresSchema(
        name: "focus",
        migrations: [
            Migration(
                "v1: tenants, users, meetings, registrations",
                [
                    """
                    CREATE TABLE tenants (
                        id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                        domains JSONB NOT NULL,
                        policy JSONB NOT NULL,
                        quotas JSONB NOT NULL,
                        source TEXT NOT NULL CHECK (source IN ('configuration', 'api'))
                    )
                    """,
                    """
                    CREATE TABLE users (
                        tenant TEXT COLLATE "C" NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        name TEXT COLLATE "C" NOT NULL,
                        display_name TEXT NOT NULL,
                        ha1_md5 TEXT NOT NULL,
                        ha1_sha256 TEXT NOT NULL,
                        PRIMARY KEY (tenant, name)
                    )
                    """,
                    """
                    CREATE TABLE meetings (
                        tenant TEXT COLLATE "C" NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        id TEXT COLLATE "C" NOT NULL,
                        organizer TEXT,
                        presenters JSONB NOT NULL,
                        passcode TEXT,
                        subject TEXT NOT NULL,
                        policy JSONB NOT NULL,
                        source TEXT NOT NULL CHECK (source IN ('configuration', 'api')),
                        PRIMARY KEY (tenant, id)
                    )
                    """,
                    """
                    CREATE TABLE registrations (
                        tenant TEXT COLLATE "C" NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        user_name TEXT COLLATE "C" NOT NULL,
                        contact TEXT COLLATE "C" NOT NULL,
                        call_id TEXT NOT NULL,
                        cseq BIGINT NOT NULL,
                        expires DOUBLE PRECISION NOT NULL,
                        PRIMARY KEY (tenant, user_name, contact)
                    )
                    """,
                    "CREATE INDEX registrations_expires ON registrations (expires)",
                ]),
            Migration(
                "v2: tenants.dial_out",
                // Existing tenants get the default policy (their own users only) until the file is applied again.
                ["ALTER TABLE tenants ADD COLUMN dial_out JSONB NOT NULL DEFAULT '{}'"]),
            Migration(
                "v3: live conferences and participants",
                // What a focus restarted mid-meeting rebuilds its conferences from; a conference's participants go with it.
                [
                    """
                    CREATE TABLE live_conferences (
                        tenant TEXT COLLATE "C" NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        meeting TEXT COLLATE "C" NOT NULL,
                        record JSONB NOT NULL,
                        PRIMARY KEY (tenant, meeting)
                    )
                    """,
                    """
                    CREATE TABLE live_participants (
                        tenant TEXT COLLATE "C" NOT NULL,
                        meeting TEXT COLLATE "C" NOT NULL,
                        endpoint TEXT COLLATE "C" NOT NULL,
                        record JSONB NOT NULL,
                        PRIMARY KEY (tenant, meeting, endpoint),
                        FOREIGN KEY (tenant, meeting) REFERENCES live_conferences(tenant, meeting) ON DELETE CASCADE
                    )
                    """,
                ]),
            Migration(
                "v4: live subscriptions",
                [
                    """
                    CREATE TABLE live_subscriptions (
                        tenant TEXT COLLATE "C" NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        dialog TEXT COLLATE "C" NOT NULL,
                        record JSONB NOT NULL,
                        PRIMARY KEY (tenant, dialog)
                    )
                    """,
                ]),
        ])
}
