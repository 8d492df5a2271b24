public import Focus
public import MCUPool
import Hummingbird
public import Logging
import NIOCore
public import Prometheus
public import ServiceLifecycle

/// The admin API over HTTP/1.1 as a lifecycle service: binds `admin.address:admin.port`, logs its URL, serves until
/// graceful shutdown (requests in flight finish), then closes.
public struct AdminServer: Service {
    let configuration: AdminConfiguration
    let api: AdminAPI
    let logger: Logger
    let onListening: @Sendable (Int) async -> Void

    /// - Parameters:
    ///   - focus: the focus whose tenants, meetings and conferences the API serves.
    ///   - tenants: the configured tenants, for their admin tokens.
    ///   - registry: what `/metrics` renders; ``AdminMetrics/registry`` is the process's swift-metrics backend.
    ///   - nonceLifetimeSeconds: how long a digest nonce may be used.
    ///   - onListening: called with the bound port once the server listens (useful with port 0).
    public init(
        configuration: AdminConfiguration, focus: Focus, tenants: [TenantConfiguration],
        registry: PrometheusCollectorRegistry = AdminMetrics.registry, nonceLifetimeSeconds: Int = 300, pool: (any MCUPoolStore)? = nil,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "subsystem"] = "admin"
        self.logger = logger
        self.onListening = onListening
        let authenticator = AdminAuthenticator(
            tokens: BearerTokens(operatorTokens: configuration.operatorTokens, tenants: tenants), directory: focus.directory,
            nonceLifetimeSeconds: nonceLifetimeSeconds)
        self.api = AdminAPI(
            focus: focus, authenticator: authenticator, registry: registry, metricsPublic: configuration.metricsPublic, pool: pool,
            logger: logger)
    }

    /// Serves until graceful shutdown; throws ``AdminServerError`` when it cannot listen.
    public func run() async throws {
        let address = configuration.address
        let logger = self.logger
        let onListening = self.onListening
        let operatorTokens = configuration.operatorTokens.count
        let application = Application(
            router: api.router(),
            configuration: .init(address: .hostname(address, port: configuration.port), serverName: "Consort"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let host = address.contains(":") ? "[\(address)]" : address
                logger.info(
                    "admin API listening",
                    metadata: ["url": "http://\(host):\(port)/v1", "operatorTokens": "\(operatorTokens)"])
                await onListening(port)
            },
            logger: hummingbirdLogger())
        do {
            try await application.run()
        } catch let error as IOError {
            throw AdminServerError(
                "admin API: cannot listen on \(address):\(configuration.port): \(error.description) (set admin.address and admin.port, or --admin-port)")
        }
    }

    /// Hummingbird's own logger: one line per server start and stop at info, requests at debug.
    private func hummingbirdLogger() -> Logger {
        var hb = logger
        hb[metadataKey: "subsystem"] = "admin"
        return hb
    }
}

/// The admin server could not start; the reason says what to change.
public struct AdminServerError: Error, CustomStringConvertible {
    /// What failed and what to change.
    public let description: String
    init(_ description: String) { self.description = description }
}
