import Logging
import PostgresNIO

/// One part of the shared database's schema (the focus's tables, the MCU pool's), with its migrations numbered from 1.
///
/// Applied versions are recorded in `schema_migrations` (schema, version, name, applied_at), one row per migration.
/// On start, under a transaction-scoped advisory lock (so that processes starting together migrate one at a time),
/// the pending migrations of a schema run in order in one transaction: all of them or, on error, none. A database
/// whose schema is newer than this binary knows is refused: an older binary must not write to tables it does not
/// understand. A change to the schema is a new migration at the end, never an edit of an applied one (the names are
/// compared, so an edit is noticed).
public struct PostgresSchema: Sendable {
    /// One step: statements run in order. They are constants of this binary, never built from data.
    public struct Migration: Sendable {
        public var name: String
        public var statements: [String]

        public init(_ name: String, _ statements: [String]) {
            self.name = name
            self.statements = statements
        }
    }

    /// The schema's name in `schema_migrations` (`focus`, `mcu_pool`).
    public var name: String
    /// Migration `i` has version `i + 1`.
    public var migrations: [Migration]

    public init(name: String, migrations: [Migration]) {
        self.name = name
        self.migrations = migrations
    }

    /// Any fixed number: the advisory lock every Consort process takes while it migrates.
    static let migrationLock: Int64 = 0x436F_6E73_6F72_74  // "Consort"

    func migrate(on connection: PostgresConnection, in location: PostgresLocation, logger: Logger) async throws(SharedDatabaseError) {
        do {
            try await connection.withTransaction(logger: logger) { connection in
                try await connection.execute("SET LOCAL lock_timeout = '30s'", logger: logger)
                try await connection.execute("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
                try await connection.execute(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        schema TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                        PRIMARY KEY (schema, version)
                    )
                    """, logger: logger)
                var applied: [(Int, String)] = []
                let rows = try await connection.query(
                    "SELECT version, name FROM schema_migrations WHERE schema = \(name) ORDER BY version", logger: logger)
                for try await (version, name) in rows.decode((Int, String).self) {
                    applied.append((version, name))
                }
                try check(applied, location: location)
                for (index, migration) in migrations.enumerated() where index >= applied.count {
                    for statement in migration.statements {
                        try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.execute(
                        "INSERT INTO schema_migrations (schema, version, name) VALUES (\(name), \(index + 1), \(migration.name))",
                        logger: logger)
                }
            }
        } catch {
            throw SharedDatabaseError("cannot migrate the \(name) schema of \(location): \(PostgresFailure.explain(error))")
        }
    }

    /// Refuses a schema newer than this binary's, or one whose history differs from it.
    private func check(_ applied: [(version: Int, name: String)], location: PostgresLocation) throws(SharedDatabaseError) {
        if let newest = applied.last?.version, newest > migrations.count {
            throw SharedDatabaseError(
                "the database is at version \(newest) of the \(name) schema, newer than this consort knows (\(migrations.count)): "
                    + "run a newer consort against it, or use another database")
        }
        for (position, row) in applied.enumerated() {
            guard row.version == position + 1 else {
                throw SharedDatabaseError("version \(position + 1) of the \(name) schema is missing from schema_migrations")
            }
            guard row.name == migrations[position].name else {
                throw SharedDatabaseError(
                    "version \(row.version) of the \(name) schema is \"\(row.name)\" in the database but "
                        + "\"\(migrations[position].name)\" in this consort")
            }
        }
    }
}
