import FocusPostgres
import Logging
import TestSupport
import Testing

/// A fresh database on the suite's PostgreSQL server.
func freshLocation() throws -> PostgresLocation {
    let server = try #require(TemporaryPostgres.current, "the suite has no PostgreSQL server (.temporaryPostgres)")
    return try PostgresLocation(url: server.url(database: try server.createDatabase()))
}

/// Prepares `schemas` in the database at `location` and runs its pool for the time of `body`.
func withSharedDatabase<T>(
    _ location: PostgresLocation, schemas: [PostgresSchema] = [.focus, .mcuPool], _ body: (SharedDatabase) async throws -> T
) async throws -> T {
    let database = SharedDatabase(location: location, logger: quietLogger, maximumConnections: 4)
    try await database.prepare(schemas)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await database.run() }
        do {
            let result = try await body(database)
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// Errors only: postgres-nio warns when the first query races the pool's `run()`, which these helpers start together.
let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .error
    return logger
}()
