import Admin
public import ArgumentParser
import Foundation
public import Logging
import ServiceLifecycle
import Focus
import MediaCore
import MCUPool
import FocusPostgres
import SIP
import SIPWire

/// `consort serve`: the conferencing server — the SIP focus for every tenant's meetings and an embedded MCU.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Consort server on a configuration file."
    )

    @Option(help: "Configuration file.") var config = "Config/consort.yaml"
    @Option(help: "SIP address to listen on (overrides sip.address).") var sipAddress: String?
    @Option(help: "SIP port for UDP and TCP (overrides sip.port; 0 picks a free one).") var sipPort: Int?
    @Option(help: "RTP port range first-last (overrides media.rtpPorts).") var rtpPorts: String?
    @Option(help: "HTTP port of the admin API (overrides admin.port; 0 picks a free one).") var adminPort: Int?
    @Option(
        name: .customLong("trusted-source"),
        help: "A CIDR block exempt from the per-source SIP limits (adds to sip.trustedSources; repeatable).")
    var trustedSources: [String] = []
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: Logger.Level = .info

    func run() async throws {
        bootstrapLogging(logLevel)
        let logger = Logger(label: "consort")
        var configuration = try ConsortConfiguration.load(path: config)
        if let sipAddress { configuration.sip.address = sipAddress }
        if let sipPort { configuration.sip.port = sipPort }
        configuration.sip.trustedSources += trustedSources
        if let rtpPorts { configuration.media.mcu.rtpPorts = rtpPorts }
        if let adminPort { configuration.admin.port = adminPort }
        if let problem = configuration.validationProblem() { throw ValidationError(problem) }
        // Prompts live beside the configuration file unless given as an absolute path.
        if !configuration.focus.promptDirectory.hasPrefix("/") {
            let folder = URL(fileURLWithPath: config).deletingLastPathComponent()
            configuration.focus.promptDirectory = folder.appendingPathComponent(configuration.focus.promptDirectory).path
        }

        // The store first: a bad URL, an unreachable PostgreSQL or a schema newer than this binary stops here, before
        // anything is bound.
        let store: OpenedFocusStore
        do {
            store = try await OpenedFocusStore.open(setting: configuration.focus.database, logger: logger)
        } catch {
            throw ValidationError("focus store: \(error)")
        }
        var poolStore: (any MCUPoolStore)?
        if configuration.pool.enabled {
            guard let database = store.sharedDatabase else {
                throw ValidationError("pool.enabled needs the shared database: set focus.database to a postgres:// URL (the MCU instances register there)")
            }
            poolStore = PostgresMCUPoolStore(database: database)
        }
        let server = ConferenceServer(
            configuration: configuration, store: store.store, databaseLabel: store.label, poolStore: poolStore, logger: logger)
        // The shared database's connection pool runs beside the server; listed first, it shuts down last (after the
        // server has ended its calls).
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let database = store.sharedDatabase { services.append(.init(service: database)) }
        services.append(.init(service: server))
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("consort stopped")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// SIP focus + embedded MCU + admin API as one lifecycle service: binds, serves until shutdown, then ends every call
/// (BYE), stops the media loops and closes the sockets.
struct ConferenceServer: Service, CustomStringConvertible {
    let configuration: ConsortConfiguration
    /// The focus's store, opened by `consort serve` from `focus.database`.
    let store: any FocusStore
    /// The store for logs: the SQLite path, or the PostgreSQL URL without its password.
    let databaseLabel: String
    /// With `pool.enabled`: where the MCU instances are registered; media runs on them instead of an embedded MCU.
    let poolStore: (any MCUPoolStore)?
    let logger: Logger

    /// What service-lifecycle logs at debug level: the name, never the configuration (it holds passwords and tokens).
    var description: String { "ConferenceServer" }

    func run() async throws {
        let mcu = try await startMedia()
        guard let watch = mcu.watch else {
            try await serve(mcu)
            return
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await watch() }
            defer { group.cancelAll() }
            try await serve(mcu)
        }
    }

    /// Everything but the media's background work: SIP, the focus, the admin API, until shutdown.
    private func serve(_ mcu: ServerMedia) async throws {        // The metrics backend first, so the SIP stack's refusal counters (made when it starts) are the ones /metrics shows.
        _ = AdminMetrics.registry
        let agent = SIPUserAgent(configuration: configuration.sip, logger: logger)
        let bound: [SIPPeer]
        do {
            // Listening first tells the focus its ports; requests get 503 + Retry-After until its handlers are set.
            bound = try await agent.start(acceptingRequests: false)
        } catch {
            await mcu.shutdown()
            throw error
        }
        for peer in bound {
            logger.info("SIP listening", metadata: ["transport": "\(peer.transport.rawValue)", "address": "\(peer.host):\(peer.port)"])
        }
        // The request handlers run here, as child tasks, until the agent stops.
        async let sipWork: Void = agent.run()
        let directory: TenantDirectory
        do {
            directory = try await Focus.prepare(store: store, configuration: configuration.focus)
        } catch {
            await mcu.shutdown()
            await agent.stop()
            throw ValidationError("focus store: \(error)")
        }
        logger.info(
            "tenants loaded",
            metadata: [
                "database": "\(databaseLabel)", "tenants": "\(directory.tenants.map(\.id).joined(separator: ","))",
                "default": "\(configuration.focus.defaultTenant)",
            ])
        warnAboutSetup()
        var focusConfiguration = Focus.Configuration()
        focusConfiguration.focus = configuration.focus
        focusConfiguration.advertisedAddress = configuration.media.mcu.advertisedAddress
        let sipHost = configuration.sip.advertisedAddress
            ?? (configuration.sip.address == "0.0.0.0" ? (configuration.media.mcu.advertisedAddress ?? "127.0.0.1") : configuration.sip.address)
        focusConfiguration.contactHost = sipHost
        focusConfiguration.fallbackAddress = sipHost
        focusConfiguration.contactPort = bound.first(where: { $0.transport != .tls })?.port ?? configuration.sip.port
        focusConfiguration.contactTLSPort = bound.first(where: { $0.transport == .tls })?.port ?? configuration.sip.tls.port
        // The same trusted sources as the stack's: exempt from the focus's per-source limits too, never from quotas.
        let trusted = configuration.sip.trustedSources.compactMap(IPAddressRange.init)
        focusConfiguration.isTrustedSource = { host in trusted.contains { $0.contains(address: host) } }
        await agent.setAdvertisedHost(sipHost)
        let meetings = Focus(
            agent: agent, mcu: mcu, store: store, directory: directory, configuration: focusConfiguration, logger: logger)
        async let focusWork: Void = meetings.run()
        await meetings.install()
        // Meetings a previous run left in progress (a restart or a crash) are taken over before new requests come in.
        await meetings.reattach()
        await agent.acceptRequests()
        logger.info("accepting calls")

        let admin = AdminServer(
            configuration: configuration.admin, focus: meetings, tenants: configuration.focus.effectiveTenants,
            nonceLifetimeSeconds: configuration.sip.nonceLifetimeSeconds, pool: poolStore, logger: logger)
        let adminFailure = await Self.serve(admin)
        if poolStore != nil {
            // The meetings' media lives on the pool's instances: the next focus takes them over from the store.
            logger.notice("shutting down: calls stay up on the MCU pool for the next focus to take over", metadata: ["participants": "\(meetings.participantCount)"])
        } else {
            logger.info("shutting down: ending every call")
            await meetings.endAll(within: 2)
        }
        // Producers first, media last: the SIP handlers and the focus's background work still in flight (a prompt being
        // read for a caller who just joined) finish against a running MCU, never against loops that have stopped.
        await agent.stop()
        await sipWork
        meetings.stop()
        await focusWork
        await mcu.shutdown()
        if let adminFailure { throw adminFailure }
    }

    /// Warnings an operator should see at start: missing prompts, an undeclared default tenant, demo credentials.
    func warnAboutSetup() {
        let focus = configuration.focus
        let missing = Prompt.allCases.map(\.fileName).filter {
            !FileManager.default.isReadableFile(atPath: "\(focus.promptDirectory)/\($0)")
        }
        if !missing.isEmpty {
            logger.warning(
                "announcements missing: callers will not hear them",
                metadata: ["promptDirectory": "\(focus.promptDirectory)", "missing": "\(missing.joined(separator: ","))"])
        }
        if !focus.tenants.isEmpty && !focus.tenants.contains(where: { $0.id == focus.defaultTenant }) {
            logger.notice(
                "the default tenant is not declared: it exists with the default policy (a typo in focus.defaultTenant?)",
                metadata: ["defaultTenant": "\(focus.defaultTenant)"])
        }
        let demoTokens = configuration.admin.operatorTokens.contains("operator-demo-token")
            || focus.tenants.contains { $0.adminTokens.contains { $0.hasSuffix("-admin-token") } }
        let demoPasswords = focus.tenants.contains { $0.users.contains { $0.password?.hasSuffix("-secret") == true } }
        if demoTokens || demoPasswords {
            logger.warning("the shipped demo credentials are active (operator-demo-token, *-admin-token, *-secret): replace them before exposing this server")
        }
    }

    /// Runs the admin API until graceful shutdown (which it sees too, and finishes its requests in flight); returns
    /// the error that stopped it early, such as a port in use.
    static func serve(_ admin: AdminServer) async -> (any Error)? {
        await withTaskGroup(of: (any Error)?.self) { group in
            group.addTask {
                do {
                    try await admin.run()
                    return nil
                } catch {
                    return error
                }
            }
            group.addTask {
                try? await gracefulShutdown()
                return nil
            }
            var failure: (any Error)?
            while let result = await group.next() {
                if let result {
                    failure = result
                    group.cancelAll()
                }
            }
            return failure
        }
    }
}
