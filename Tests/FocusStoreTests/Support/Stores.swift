import Focus
import FocusPostgres
import FocusSQLite
import Logging
import TestSupport
import Testing

/// The suites of this target, each test run once per store. The PostgreSQL server is the suite's own (one for all
/// of them); each test gets a new database in it, as each SQLite test gets a new file.
@Suite(.temporaryPostgres) struct FocusStoreSuites {}

/// The stores every test runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// Where a test's store lives: a file, or a database on the suite's server. A test may open it several times (restarts).
struct StoreLocation: Sendable {
    var kind: StoreKind
    /// What `focus.database` would say: the path, or the URL.
    var setting: String

    /// How the store's errors name it: the path, or the URL without the password.
    var label: String { (try? FocusDatabase(setting: setting).description) ?? setting }
}

/// Runs `body` with a fresh location of `kind`; the SQLite file is deleted afterwards, the database goes with the server.
func withStoreLocation<T>(_ kind: StoreKind, _ body: (StoreLocation) async throws -> T) async throws -> T {
    switch kind {
    case .sqlite:
        return try await withTemporaryDirectory { directory in
            try await body(StoreLocation(kind: .sqlite, setting: directory + "/focus.sqlite"))
        }
    case .postgres:
        let server = try #require(TemporaryPostgres.current, "the suite has no PostgreSQL server (.temporaryPostgres)")
        return try await body(StoreLocation(kind: .postgres, setting: server.url(database: try server.createDatabase())))
    }
}

/// Opens the store at `location` (migrating it) for the time of `body`, as `consort serve` would.
func withStore<T>(at location: StoreLocation, _ body: (any FocusStore) async throws -> T) async throws -> T {
    switch try FocusDatabase(setting: location.setting) {
    case .sqlite(let path):
        return try await body(SQLiteFocusStore(path: path))
    case .postgres(let postgres):
        let database = SharedDatabase(location: postgres, logger: quietLogger, maximumConnections: 4)
        try await database.prepare([.focus])
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.run() }
            do {
                let result = try await body(PostgresFocusStore(database: database))
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}

/// A fresh store of `kind`, open for the time of `body`.
func withStore<T>(_ kind: StoreKind, _ body: (any FocusStore, StoreLocation) async throws -> T) async throws -> T {
    try await withStoreLocation(kind) { location in
        try await withStore(at: location) { store in try await body(store, location) }
    }
}

/// Errors only: postgres-nio warns when the first query races the pool's `run()`, which these helpers start together.
let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .error
    return logger
}()
