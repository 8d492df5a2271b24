import Focus
import FocusPostgres
import FocusSQLite
import Logging

/// The focus's store as `focus.database` selects it: a file path opens the embedded SQLite store; a `postgres://` URL
/// the shared PostgreSQL database, whose connection pool (``sharedDatabase``) must run while the store is used.
struct OpenedFocusStore {
    var store: any FocusStore
    /// The PostgreSQL database and its pool, a service to run beside the server; nil for SQLite.
    var sharedDatabase: SharedDatabase?
    /// For logs: the path, or the URL without its password.
    var label: String

    /// Opens and migrates the store. PostgreSQL is reached once here (both the focus's and the MCU pool's schemas are
    /// brought up to date), so an unreachable server, wrong credentials or a newer schema fail at start, naming the
    /// server's host and port, never the password.
    static func open(setting: String, logger: Logger) async throws -> OpenedFocusStore {
        switch try FocusDatabase(setting: setting) {
        case .sqlite(let path):
            return OpenedFocusStore(store: try SQLiteFocusStore(path: path), sharedDatabase: nil, label: path)
        case .postgres(let location):
            let database = SharedDatabase(location: location, logger: logger)
            try await database.prepare([.focus, .mcuPool])
            logger.info("shared database ready", metadata: ["database": "\(location)"])
            return OpenedFocusStore(store: PostgresFocusStore(database: database), sharedDatabase: database, label: location.description)
        }
    }
}
