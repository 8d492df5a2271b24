import Focus
import MCUPool
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif
import PostgresNIO

/// The one place postgres-nio's errors become text. `PSQLError` describes itself as a generic placeholder on purpose
/// (its details may hold bound values); this picks what a person can act on — the server's message and SQLSTATE, or
/// the network's error — and leaves statements and bound values out.
enum PostgresFailure {
    static func explain(_ error: any Error) -> String {
        switch error {
        case let error as FocusStoreError:
            return error.reason
        case let error as MCUPoolStoreError:
            return error.reason
        case let error as SharedDatabaseError:
            return error.reason
        case let error as PostgresTransactionError:
            if let failure = error.closureError ?? error.beginError ?? error.commitError { return explain(failure) }
            return "the transaction failed"
        case let error as PSQLError:
            return explain(error)
        case let error as PostgresDecodingError:
            return "column \(error.columnName) (\(error.postgresType)) cannot be read as \(error.targetType)"
        case is CancellationError:
            return "the task was cancelled"
        default:
            return String(describing: error)
        }
    }

    static func explain(_ error: PSQLError) -> String {
        switch error.code {
        case .server:
            let message = error.serverInfo?[.message] ?? "error"
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + state
        case .connectionError:
            return error.underlying.map(describeNetwork) ?? "the connection failed"
        case .sslUnsupported:
            return "the server does not offer TLS (sslmode=require or verify-full asks for it)"
        case .failedToAddSSLHandler:
            return "TLS could not be set up: " + (error.underlying.map { String(describing: $0) } ?? "unknown reason")
        case .authMechanismRequiresPassword:
            return "the server asks for a password and the URL gives none"
        case .unsupportedAuthMechanism:
            return "the server asks for an authentication method postgres-nio does not support"
        case .saslError:
            return "SCRAM authentication failed"
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return "the connection closed" + (error.underlying.map { ": \(describeNetwork($0))" } ?? "")
        case .poolClosed:
            return "the database client is not running (shut down, or SharedDatabase.run() not started)"
        case .queryCancelled:
            return "the query was cancelled"
        default:
            return "\(error.code)" + (error.underlying.map { ": \(describeNetwork($0))" } ?? "")
        }
    }

    /// SQLSTATE of a server error, e.g. `23503` (foreign key violation), or nil.
    static func sqlState(_ error: any Error) -> String? {
        switch error {
        case let error as PSQLError where error.code == .server:
            return error.serverInfo?[.sqlState]
        case let error as PostgresTransactionError:
            return (error.closureError ?? error.beginError ?? error.commitError).flatMap(sqlState)
        default:
            return nil
        }
    }

    /// NIO's connection errors name every address tried; say it shortly ("connection refused", "timed out").
    private static func describeNetwork(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return describeNetwork(first.error) }
            if let dns = error.dnsAError ?? error.dnsAAAAError { return "cannot resolve the host (\(dns))" }
            return "no address to connect to"
        }
        if let error = error as? ChannelError, case .connectTimeout(let amount) = error {
            return "no answer within \(amount.nanoseconds / 1_000_000_000) s"
        }
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode)).lowercased()
        }
        return String(describing: error)
    }
}
