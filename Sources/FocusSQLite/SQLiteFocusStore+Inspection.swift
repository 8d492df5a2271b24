import Focus
import GRDB

extension SQLiteFocusStore {
    /// What the open connection reports about the file: for the tests, and for a diagnostic line at start.
    struct SchemaReport: Sendable, Equatable {
        /// Tables, sorted, SQLite's own excluded.
        var tables: [String]
        /// Indexes created by the migrations (not the automatic ones behind primary keys), sorted.
        var indexes: [String]
        /// `wal` once opened.
        var journalMode: String
        /// Whether `PRAGMA foreign_keys` is on for the connection.
        var foreignKeys: Bool
        /// The names of the applied migrations, in the order they were applied.
        var migrations: [String]
    }

    func schemaReport() async throws(FocusStoreError) -> SchemaReport {
        try await read("read the schema") { db in
            SchemaReport(
                tables: try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"),
                indexes: try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"),
                journalMode: try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                foreignKeys: try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") ?? false,
                migrations: try Self.migrator.appliedMigrations(db)
            )
        }
    }
}
