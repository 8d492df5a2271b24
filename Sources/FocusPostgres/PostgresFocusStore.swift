public import Focus
import Logging
import PostgresNIO

/// The ``FocusStore`` of several hosts: tenants, users, scheduled meetings and registrations in the shared PostgreSQL
/// database, with the same behaviour as ``SQLiteFocusStore`` (the same tests run against both).
///
/// Its tables come from ``PostgresSchema/focus``: call ``SharedDatabase/prepare(_:)`` with it before the first use.
/// Deleting a tenant deletes its users, meetings and registrations (foreign keys `ON DELETE CASCADE`). Every
/// statement binds its values (`PostgresQuery` interpolation); none is built from data.
public final class PostgresFocusStore: FocusStore {
    public let database: SharedDatabase

    public init(database: SharedDatabase) {
        self.database = database
    }

    /// Runs `body`'s statements (each its own transaction); `action` completes "cannot …" in the error.
    func perform<T: Sendable>(_ action: String, _ body: (PostgresClient, Logger) async throws -> T) async throws(FocusStoreError) -> T {
        try await database.perform(action, failure: FocusStoreError.init, body)
    }

    /// Runs `body` in one transaction, committed when it returns and rolled back when it throws.
    func transaction<T: Sendable>(
        _ action: String, _ body: (PostgresConnection, Logger) async throws -> T
    ) async throws(FocusStoreError) -> T {
        try await database.transaction(action, failure: FocusStoreError.init, body)
    }
}
