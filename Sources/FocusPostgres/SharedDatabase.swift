public import Logging
import NIOSSL
import PostgresNIO
public import ServiceLifecycle

/// The PostgreSQL database several hosts share: the focus's store (``PostgresFocusStore``) and the MCU pool's state
/// (``PostgresMCUPoolStore``) use one connection pool to it.
///
/// Use: ``prepare(_:)`` once at start (it connects, so an unreachable server, a wrong password or a schema newer than
/// this binary fail there with an error naming the server), then keep ``run()`` running while the stores are used —
/// as a service of the process's `ServiceGroup`, listed before the services that use the stores so that it stops after
/// them, or in a task of your own that you cancel at the end. Queries wait for connections while `run()` is not
/// running.
public final class SharedDatabase: Service, Sendable, CustomStringConvertible {
    /// The server and database (``PostgresLocation/description`` leaves the password out).
    public let location: PostgresLocation
    let client: PostgresClient
    /// For postgres-nio's own calls: never below notice, since its debug logs carry bound values (HA1 digests).
    let queryLogger: Logger

    /// Makes the pool (no connection is opened yet).
    ///
    /// - Parameter maximumConnections: connections open at most at once; the focus makes a few queries per call
    ///   set-up, REGISTER or load report.
    public init(location: PostgresLocation, logger: Logger, maximumConnections: Int = 8) {
        self.location = location
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: Self.tls(location.tls))
        configuration.options.connectTimeout = .seconds(location.connectTimeoutSeconds)
        configuration.options.maximumConnections = max(1, maximumConnections)
        var quiet = logger
        quiet[metadataKey: "subsystem"] = "store"
        quiet.logLevel = max(quiet.logLevel, .notice)
        queryLogger = quiet
        client = PostgresClient(configuration: configuration, backgroundLogger: quiet)
    }

    /// Names the database, never the password (service-lifecycle logs services by their description).
    public var description: String { "SharedDatabase(\(location))" }

    /// Serves the connection pool until cancelled or, under a `ServiceGroup`, until graceful shutdown reaches it.
    public func run() async {
        await client.run()
    }

    /// Connects once, outside the pool, and brings each schema up to date (see ``PostgresSchema``): so that a bad
    /// server, credentials or schema is an error at start, not at the first call.
    ///
    /// - Throws: ``SharedDatabaseError`` naming the server (`host:port`) and what it or the network said.
    public func prepare(_ schemas: [PostgresSchema]) async throws(SharedDatabaseError) {
        let connection: PostgresConnection
        do {
            var configuration = PostgresConnection.Configuration(
                host: location.host, port: location.port, username: location.user, password: location.password,
                database: location.database, tls: Self.connectionTLS(location.tls))
            configuration.options.connectTimeout = .seconds(Int64(location.connectTimeoutSeconds))
            connection = try await Self.connect(configuration, within: location.connectTimeoutSeconds, logger: queryLogger)
        } catch {
            throw SharedDatabaseError(
                "cannot connect to PostgreSQL at \(location.server) (database \(location.database), user \(location.user)): "
                    + PostgresFailure.explain(error))
        }
        do {
            for schema in schemas {
                try await schema.migrate(on: connection, in: location, logger: queryLogger)
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
    }

    /// Connects and authenticates within `seconds`: postgres-nio bounds the TCP connect only, and a peer that accepts
    /// and never answers (not a PostgreSQL server, or a stuck one) would hold the start for ever.
    private static func connect(
        _ configuration: PostgresConnection.Configuration, within seconds: Int, logger: Logger
    ) async throws -> PostgresConnection {
        try await withThrowingTaskGroup(of: PostgresConnection?.self) { group in
            group.addTask { try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger) }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let connection = first else {
                throw SharedDatabaseError("no answer within \(seconds) s")
            }
            return connection
        }
    }

    private static func tls(_ mode: PostgresLocation.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(unverified())
        case .require: .require(unverified())
        case .verifyFull: .require(.makeClientConfiguration())
        }
    }

    private static func connectionTLS(_ mode: PostgresLocation.TLSMode) -> PostgresConnection.Configuration.TLS {
        do {
            switch mode {
            case .disable: return .disable
            case .prefer: return .prefer(try NIOSSLContext(configuration: unverified()))
            case .require: return .require(try NIOSSLContext(configuration: unverified()))
            case .verifyFull: return .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        } catch {
            // Only a broken system TLS setup gets here; connecting then fails the same way in the pool.
            return .disable
        }
    }

    /// libpq's `prefer` and `require`: encrypted, the certificate not checked.
    private static func unverified() -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return configuration
    }
}

/// A failure to reach or prepare the shared database, in a person's words, without the password.
public struct SharedDatabaseError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
