public import ArgumentParser
import Foundation
public import Logging
import ServiceLifecycle
import SIP
import SIPWire

/// `consort serve`: the conferencing server. For now the SIP side: it answers OPTIONS and refuses calls with 480
/// until meetings are wired to media.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Consort server on a configuration file."
    )

    @Option(help: "Configuration file.") var config = "Config/consort.yaml"
    @Option(help: "SIP address to listen on (overrides sip.address).") var sipAddress: String?
    @Option(help: "SIP port for UDP and TCP (overrides sip.port; 0 picks a free one).") var sipPort: Int?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: Logger.Level = .info

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        let logger = Logger(label: "consort")
        var configuration = try ConsortConfiguration.load(path: config)
        if let sipAddress { configuration.sip.address = sipAddress }
        if let sipPort { configuration.sip.port = sipPort }
        if let problem = configuration.validationProblem() { throw ValidationError(problem) }

        let sip = SIPService(configuration: configuration.sip, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: sip)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("consort stopped")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// The SIP front of the server as a lifecycle service: binds, serves until shutdown, closes.
struct SIPService: Service {
    let configuration: SIPConfiguration
    let logger: Logger

    func run() async throws {
        let agent = SIPUserAgent(configuration: configuration, logger: logger)
        let bound = try await agent.start()
        for peer in bound {
            logger.info("SIP listening", metadata: ["transport": "\(peer.transport.rawValue)", "address": "\(peer.host):\(peer.port)"])
        }
        let logger = self.logger
        await agent.setHandler(.invite) { request in
            if let problem = OfferCheck.problem(with: request.request) {
                logger.info("INVITE refused: unusable SDP offer", metadata: ["from": "\(request.peer)", "reason": "\(problem)"])
                let warning = problem.replacingOccurrences(of: "\"", with: "'")
                await request.respond(488, headers: [("Warning", "399 consort \"\(warning)\"")])
                return
            }
            // Meetings are not wired to media yet (the MCU issue): refuse politely so phones show a clear state.
            logger.info(
                "INVITE refused: no media yet", metadata: ["uri": "\(request.request.uri)", "from": "\(request.peer)"])
            await request.respond(480, reason: "Temporarily Unavailable (conferencing media not enabled yet)")
        }
        try? await gracefulShutdown()
        logger.info("SIP stopping")
        await agent.stop()
    }
}
