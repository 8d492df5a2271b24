import Logging
import PostgresNIO

// Every store method goes through `perform` or `transaction`: postgres-nio's errors become the store's own error type,
// saying what was being done and in which database (never with the password, a statement or a bound value).
extension SharedDatabase {
    /// Runs `body` with the pool; `failure` makes the store's error from "cannot <action> in <database>: <why>".
    func perform<T: Sendable, Failure: Error>(
        _ action: String, failure: (String) -> Failure, _ body: (PostgresClient, Logger) async throws -> T
    ) async throws(Failure) -> T {
        do {
            return try await body(client, queryLogger)
        } catch {
            throw failure("cannot \(action) in \(location): \(PostgresFailure.explain(error))")
        }
    }

    /// Runs `body` in one transaction on one connection, committed when it returns and rolled back when it throws.
    func transaction<T: Sendable, Failure: Error>(
        _ action: String, failure: (String) -> Failure, _ body: (PostgresConnection, Logger) async throws -> T
    ) async throws(Failure) -> T {
        try await perform(action, failure: failure) { client, logger in
            try await client.withTransaction(logger: logger) { connection in try await body(connection, logger) }
        }
    }
}

// Statements whose rows nobody reads are still read to the end: a pooled connection goes back to the pool only then.
extension PostgresClient {
    func execute(_ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line) async throws {
        _ = try await self.query(query, logger: logger, file: file, line: line).collect()
    }
}

extension PostgresConnection {
    func execute(_ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line) async throws {
        _ = try await self.query(query, logger: logger, file: file, line: line).collect()
    }
}
