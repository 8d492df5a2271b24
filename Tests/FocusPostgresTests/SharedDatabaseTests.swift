import Focus
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import FocusPostgres

@Suite(.temporaryPostgres)
struct PostgresSuites {}

extension PostgresSuites {
    @Suite("Preparing the shared database")
    struct SharedDatabaseTests {
        @Test("a fresh database gets the focus's and the pool's tables, and both schemas' migrations are recorded")
        func freshDatabaseIsMigrated() async throws {
            try await withSharedDatabase(try freshLocation()) { database in
                let tables = try await database.client.query(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
                ).collect().map { try $0.decode(String.self) }
                #expect(
                    tables == [
                        "conference_placements", "live_conferences", "live_participants", "live_subscriptions", "mcu_instances", "meetings", "registrations", "schema_migrations",
                        "tenants", "users",
                    ])
                #expect(try await migrations(database) == Self.expectedMigrations)
            }
        }

        @Test("preparing again, even from three processes at once, applies no migration twice")
        func migrationsRunOnce() async throws {
            let location = try freshLocation()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 {
                    group.addTask { try await withSharedDatabase(location) { _ in } }
                }
                try await group.waitForAll()
            }
            let applied = try await withSharedDatabase(location) { database in try await migrations(database) }
            #expect(applied == Self.expectedMigrations)
        }

        @Test("a schema newer than this binary knows is refused, saying so")
        func newerSchemaRefused() async throws {
            let server = try #require(TemporaryPostgres.current)
            let location = try freshLocation()
            try await withSharedDatabase(location) { _ in }
            try server.execute(
                "INSERT INTO schema_migrations (schema, version, name) VALUES ('focus', 5, 'v5: from the future')", database: location.database)
            let error = await #expect(throws: SharedDatabaseError.self) { try await withSharedDatabase(location) { _ in } }
            #expect(
                error?.reason == "cannot migrate the focus schema of \(location): the database is at version 5 of the focus schema, "
                    + "newer than this consort knows (4): run a newer consort against it, or use another database")
            // The pool's schema is its own: an MCU that only needs it still starts.
            try await withSharedDatabase(location, schemas: [.mcuPool]) { _ in }
        }

        @Test("a migration whose name differs from this binary's is refused")
        func editedHistoryRefused() async throws {
            let server = try #require(TemporaryPostgres.current)
            let location = try freshLocation()
            try await withSharedDatabase(location) { _ in }
            try server.execute("UPDATE schema_migrations SET name = 'v2: edited' WHERE schema = 'focus' AND version = 2", database: location.database)
            let error = await #expect(throws: SharedDatabaseError.self) { try await withSharedDatabase(location) { _ in } }
            #expect(error?.reason.hasSuffix("version 2 of the focus schema is \"v2: edited\" in the database but \"v2: tenants.dial_out\" in this consort") == true)
        }

        @Test("nothing listening: the error names host and port, and says connection refused")
        func unreachable() async throws {
            let port = freePort()
            let location = try PostgresLocation(url: "postgres://consort:hunter2@127.0.0.1:\(port)/focus?sslmode=disable")
            let error = await #expect(throws: SharedDatabaseError.self) { try await withSharedDatabase(location) { _ in } }
            #expect(error?.reason == "cannot connect to PostgreSQL at 127.0.0.1:\(port) (database focus, user consort): connection refused")
        }

        @Test("a wrong password: the server's words, never the password")
        func wrongPassword() async throws {
            let server = try #require(TemporaryPostgres.current)
            let location = try PostgresLocation(url: server.url(database: "postgres", password: "hunter2"))
            let error = await #expect(throws: SharedDatabaseError.self) { try await withSharedDatabase(location) { _ in } }
            let reason = error?.reason ?? ""
            #expect(reason.hasPrefix("cannot connect to PostgreSQL at 127.0.0.1:\(server.port) (database postgres, user consort): "))
            #expect(reason.contains("password authentication failed for user \"consort\""), "\(reason)")
            #expect(!reason.contains("hunter2"))
        }

        static let expectedMigrations = [
            "focus 1 v1: tenants, users, meetings, registrations", "focus 2 v2: tenants.dial_out",
            "focus 3 v3: live conferences and participants", "focus 4 v4: live subscriptions",
            "mcu_pool 1 v1: mcu_instances, conference_placements, placement_epochs",
        ]

        private func migrations(_ database: SharedDatabase) async throws -> [String] {
            try await database.client.query("SELECT schema, version, name FROM schema_migrations ORDER BY schema, version")
                .collect().map { row in
                    let (schema, version, name) = try row.decode((String, Int, String).self)
                    return "\(schema) \(version) \(name)"
                }
        }
    }
}

extension PostgresSuites.SharedDatabaseTests {
    @Test("a peer that accepts the connection and never answers: the error comes after connect_timeout, naming host and port")
    func silentPeer() async throws {
        let listener = try SilentListener()
        let location = try PostgresLocation(url: "postgres://consort:hunter2@127.0.0.1:\(listener.port)/focus?sslmode=disable&connect_timeout=1")
        let start = ContinuousClock.now
        let error = await #expect(throws: SharedDatabaseError.self) { try await withSharedDatabase(location) { _ in } }
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(
            error?.reason
                == "cannot connect to PostgreSQL at 127.0.0.1:\(listener.port) (database focus, user consort): no answer within 1 s")
    }
}
