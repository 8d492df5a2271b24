public import Focus

/// What `focus.database` selects: a file path keeps the embedded SQLite store; a `postgres://` or `postgresql://` URL
/// selects the shared PostgreSQL database (``PostgresFocusStore``, and the MCU pool's state beside it).
public enum FocusDatabase: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// Reads the setting.
    ///
    /// - Throws: ``FocusStoreError`` for an empty setting, a malformed PostgreSQL URL, or a URL of another scheme
    ///   (`mysql://…` is not taken for a file name). The error never repeats the setting, which may hold a password.
    public init(setting: String) throws(FocusStoreError) {
        if setting.isEmpty { throw FocusStoreError("focus.database must name a file or a postgres:// URL") }
        if PostgresLocation.isPostgresURL(setting) {
            self = .postgres(try PostgresLocation(url: setting))
            return
        }
        if let schemeEnd = setting.range(of: "://") {
            let scheme = setting[..<schemeEnd.lowerBound]
            if !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) {
                throw FocusStoreError(
                    "focus.database: \(scheme):// is not supported; give a file path (SQLite) or a postgres:// URL (PostgreSQL)")
            }
        }
        self = .sqlite(path: setting)
    }

    /// For logs: the path, or the URL without its password.
    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let location): location.description
        }
    }
}
