import ArgumentParser
import Admin
import Foundation
import Logging
import FocusPostgres
import MCUGRPC
import MCUPool
import MediaCore
import ServiceLifecycle

/// `consort mcu`: a media-only MCU instance. It serves MCUControl over gRPC (token and protocol revision checked on
/// every call) for a focus to place conferences on; SIGTERM drains it (no new conferences, its conferences move to other
/// instances) and it exits 0 when they are gone or `pool.drainSeconds` passed.
struct McuCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcu",
        abstract: "Run a media-only MCU instance that a focus drives over gRPC (MCUControl)."
    )

    @Option(help: "Configuration file (its media and pool sections).") var config = "Config/consort.yaml"
    @Option(help: "Where to serve MCUControl, IPv4:PORT (overrides pool.controlAddress; port 0 picks a free one).")
    var controlAddress: String?
    @Option(help: "The IPv4 address media sockets bind to and answers advertise (overrides media.mcu.bindAddress).")
    var mediaAddress: String?
    @Option(help: "RTP port range first-last (overrides media.mcu.rtpPorts).") var rtpPorts: String?
    @Option(help: "The shared control token (overrides CONSORT_MCU_TOKEN and pool.token).") var token: String?
    @Option(help: "This instance's id in the pool (default: mcu-<media address>-<control port>).") var id: String?
    @Option(help: "The shared database the instance registers in, a postgres:// URL (overrides focus.database).")
    var database: String?
    @Option(help: "Where to serve GET /metrics (Prometheus) and /health, IPv4:PORT (overrides pool.metricsAddress).")
    var metricsAddress: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: Logger.Level = .info

    func run() async throws {
        bootstrapLogging(logLevel)
        let logger = Logger(label: "consort-mcu")
        var configuration = try ConsortConfiguration.load(path: config)
        if let controlAddress { configuration.pool.controlAddress = controlAddress }
        if let mediaAddress { configuration.media.mcu.bindAddress = mediaAddress }
        if let rtpPorts { configuration.media.mcu.rtpPorts = rtpPorts }
        if let metricsAddress { configuration.pool.metricsAddress = metricsAddress }
        if let problem = configuration.validationProblem() { throw ValidationError(problem) }
        let secret = token ?? ProcessInfo.processInfo.environment["CONSORT_MCU_TOKEN"].flatMap { $0.isEmpty ? nil : $0 } ?? configuration.pool.token
        guard !secret.isEmpty else {
            throw ValidationError("consort mcu needs a control token: pass --token, set CONSORT_MCU_TOKEN, or set pool.token in \(config)")
        }
        // The pool store: where the focus finds this instance. Without a shared database the instance still serves
        // MCUControl, but no focus will find it by itself.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let (host, port) = PoolConfiguration.hostPort(configuration.pool.metricsAddress) {
            // The backend first, so the MCU's media counters are made on the registry /metrics renders.
            _ = AdminMetrics.registry
            services.append(.init(service: MetricsServer(host: host, port: port, logger: logger)))
        }
        var store: (any MCUPoolStore)?
        switch try FocusDatabase(setting: database ?? configuration.focus.database) {
        case .postgres(let location):
            let shared = SharedDatabase(location: location, logger: logger)
            do {
                try await shared.prepare([.mcuPool])
            } catch {
                throw ValidationError("pool store: \(error)")
            }
            services.append(.init(service: shared))
            store = PostgresMCUPoolStore(database: shared)
        case .sqlite:
            logger.notice("no shared database (focus.database is not a postgres:// URL): this instance registers in no pool")
        }
        let instance = MCUInstance(configuration: configuration, token: secret, id: id, store: store, logger: logger)
        services.append(.init(service: instance))
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// The instance as a lifecycle service: the MCU and its control server, then the drain on shutdown.
struct MCUInstance: Service, CustomStringConvertible {
    let configuration: ConsortConfiguration
    let token: String
    let id: String?
    let store: (any MCUPoolStore)?
    let logger: Logger

    var description: String { "MCUInstance" }

    func run() async throws {
        guard let control = PoolConfiguration.hostPort(configuration.pool.controlAddress) else {
            throw ValidationError("pool.controlAddress: \(configuration.pool.controlAddress) is not IPv4:PORT")
        }
        let mcu = try EmbeddedMCU(
            configuration: configuration.media.mcu, mixer: configuration.media.mixer, opus: configuration.media.opus, logger: logger)
        let mediaAddress = configuration.media.mcu.advertisedAddress ?? configuration.media.mcu.bindAddress
        // The id is known once the port is: with port 0 the kernel picks it.
        let server = MCUControlServer(
            mcu: mcu, identity: MCUInstanceIdentity(id: id ?? "", mediaAddress: mediaAddress, loops: mcu.loopCount), host: control.host,
            port: control.port, token: token, tls: configuration.pool.tls.control, logger: logger)
        async let serving: Void = server.run()
        guard let port = await server.listeningPort() else {
            server.stop()
            try? await serving
            await mcu.shutdown()
            throw ValidationError("MCU control cannot listen on \(configuration.pool.controlAddress) (in use, or not an address of this host)")
        }
        server.identity.id = id ?? "mcu-\(mediaAddress)-\(port)"
        var membership: PoolMembership?
        if let store {
            let ports = configuration.media.mcu.rtpPorts.split(separator: "-").compactMap { Int($0) }
            let member = PoolMembership(
                store: store,
                registration: MCUInstanceRegistration(
                    id: server.identity.id, controlAddress: "\(control.host):\(port)", mediaAddress: mediaAddress,
                    rtpPorts: (ports.min() ?? 0)...max(ports.min() ?? 0, ports.max() ?? 0), cores: mcu.loopCount),
                server: server, mcu: mcu, logger: logger)
            do {
                try await member.register()
            } catch {
                server.stop()
                try? await serving
                await mcu.shutdown()
                throw error
            }
            await member.reportOnce()
            membership = member
        }
        logger.info(
            "MCU instance ready",
            metadata: [
                "id": "\(server.identity.id)", "control": "\(control.host):\(port)", "media": "\(mediaAddress)",
                "rtpPorts": "\(configuration.media.mcu.rtpPorts)", "loops": "\(mcu.loopCount)",
            ])
        // The load reports run beside the instance, as a child task: they go on while it drains and end with it.
        await withTaskGroup(of: Void.self) { group in
            if let membership { group.addTask { await membership.run() } }
            try? await gracefulShutdown()
            if let store { _ = try? await store.setState(instance: server.identity.id, .draining) }
            await drain(server)
            group.cancelAll()
        }
        server.stop()
        try? await serving
        await mcu.shutdown()
        logger.info("MCU instance stopped", metadata: ["id": "\(server.identity.id)"])
    }

    /// Takes no new conferences and waits (at most `pool.drainSeconds`) until the focus has moved the others away.
    func drain(_ server: MCUControlServer) async {
        server.drain()
        let held = server.conferences.count
        logger.notice("draining: no new conferences; waiting for the focus to move the others", metadata: ["conferences": "\(held)"])
        let deadline = ContinuousClock.now + .seconds(configuration.pool.drainSeconds)
        while !server.conferences.isEmpty, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(200))
        }
        if !server.conferences.isEmpty {
            logger.warning(
                "drain time over: conferences still here end now",
                metadata: ["conferences": "\(server.conferences.keys.map(\.description).sorted().joined(separator: ","))"])
        }
    }
}
