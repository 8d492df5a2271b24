extension PostgresSchema {
    /// The MCU pool's tables, beside the focus's in the same database, with migrations of their own.
    ///
    /// Epochs come from one sequence (`placement_epochs`), so a conference's epoch only grows, even after its placement
    /// is released and made again. Placements name registered instances (`ON DELETE RESTRICT`: an instance that still
    /// hosts conferences cannot be forgotten). Times are the database's `now()`.
    public static let mcuPool = PostgresSchema(
        name: "mcu_pool",
        migrations: [
            Migration(
                "v1: mcu_instances, conference_placements, placement_epochs",
                [
                    """
                    CREATE TABLE mcu_instances (
                        id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                        control_address TEXT NOT NULL,
                        media_address TEXT NOT NULL,
                        rtp_port_first INTEGER NOT NULL CHECK (rtp_port_first BETWEEN 1 AND 65535),
                        rtp_port_last INTEGER NOT NULL CHECK (rtp_port_last BETWEEN rtp_port_first AND 65535),
                        cores INTEGER NOT NULL CHECK (cores > 0),
                        state TEXT NOT NULL CHECK (state IN ('up', 'draining', 'down', 'removed')),
                        registered_at TIMESTAMPTZ NOT NULL,
                        load JSONB,
                        reported_at TIMESTAMPTZ
                    )
                    """,
                    "CREATE SEQUENCE placement_epochs AS BIGINT",
                    """
                    CREATE TABLE conference_placements (
                        tenant TEXT COLLATE "C" NOT NULL,
                        meeting TEXT COLLATE "C" NOT NULL,
                        instance TEXT COLLATE "C" NOT NULL REFERENCES mcu_instances(id) ON DELETE RESTRICT,
                        epoch BIGINT NOT NULL,
                        claimed_at TIMESTAMPTZ NOT NULL,
                        PRIMARY KEY (tenant, meeting)
                    )
                    """,
                    "CREATE INDEX conference_placements_instance ON conference_placements (instance)",
                ])
        ])
}
