import Hummingbird
public import Logging
import NIOCore
public import Prometheus
public import ServiceLifecycle

/// `GET /metrics` (Prometheus text) and `GET /health` on their own address, for a process with no admin API: a
/// `consort mcu` instance (`pool.metricsAddress`). No token: bind it to the monitoring network, as node exporters are.
public struct MetricsServer: Service {
    let host: String
    let port: Int
    let registry: PrometheusCollectorRegistry
    let logger: Logger

    public init(host: String, port: Int, registry: PrometheusCollectorRegistry = AdminMetrics.registry, logger: Logger) {
        self.host = host
        self.port = port
        self.registry = registry
        self.logger = logger
    }

    /// Serves until graceful shutdown or cancellation; throws ``AdminServerError`` when it cannot listen.
    public func run() async throws {
        let router = Router()
        let registry = self.registry
        router.get("/metrics") { _, _ -> Response in
            var body = ByteBuffer()
            body.writeBytes(registry.emitToBuffer())
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .contentLength: "\(body.readableBytes)"],
                body: .init(byteBuffer: body))
        }
        router.get("/health") { _, _ in AdminJSON.response(["status": "ok"]) }
        let logger = self.logger
        let host = self.host
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "Consort"),
            onServerRunning: { channel in
                logger.info("metrics listening", metadata: ["url": "http://\(host):\(channel.localAddress?.port ?? 0)/metrics"])
            },
            logger: logger)
        do {
            try await application.run()
        } catch let error as IOError {
            throw AdminServerError("metrics: cannot listen on \(host):\(port): \(error.description) (set pool.metricsAddress or --metrics-address)")
        }
    }
}
