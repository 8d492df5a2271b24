import Focus
import Glibc
import TestSupport
import Testing

@testable import FocusSQLite

@Suite("Opening a fresh database file")
struct MigrationTests {
    @Test("creates the directory, the file, the tables and the expiry index, in WAL mode with foreign keys on")
    func freshFileIsMigrated() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/nested/focus.sqlite"
            let store = try SQLiteFocusStore(path: path)
            let report = try await store.schemaReport()
            // It holds credential digests: owner-only, and so are its write-ahead files.
            for file in [path, path + "-wal"] {
                var info = stat()
                #expect(stat(file, &info) == 0 && info.st_mode & 0o777 == 0o600, "\(file): mode \(String(info.st_mode & 0o777, radix: 8))")
            }
            #expect(report.tables == ["grdb_migrations", "live_conferences", "live_participants", "live_subscriptions", "meetings", "registrations", "tenants", "users"])
            #expect(report.indexes == ["registrations_expires"])
            #expect(report.journalMode == "wal")
            #expect(report.foreignKeys)
            #expect(report.migrations == ["v1: tenants, users, meetings, registrations", "v2: tenants.dial_out", "v3: live conferences and participants",
                "v4: live subscriptions"])
            #expect(try await store.tenants().isEmpty)
        }
    }

    @Test("reopening a migrated file applies no migration twice")
    func migrationsRunOnce() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/focus.sqlite"
            _ = try SQLiteFocusStore(path: path)
            let reopened = try SQLiteFocusStore(path: path)
            #expect(try await reopened.schemaReport().migrations == ["v1: tenants, users, meetings, registrations", "v2: tenants.dial_out", "v3: live conferences and participants",
                "v4: live subscriptions"])
        }
    }
}
