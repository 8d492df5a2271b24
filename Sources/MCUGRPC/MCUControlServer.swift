import GRPCCore
import GRPCNIOTransportHTTP2
public import Logging
public import MCUControl

/// The gRPC server of a `consort mcu` instance: MCUControl for `mcu`, on `host`:`port` (0 picks a free port), every
/// call checked for the token and the protocol revision. ``run()`` serves until ``stop()``.
public final class MCUControlServer: Sendable {
    private let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let transport: HTTP2ServerTransport.Posix
    private let service: MCUControlService
    public let host: String
    private let logger: Logger
    /// The calls refused for a wrong token or revision, counted and rate-limited in the log.
    public let refusals: MCUControlRefusals

    /// With `tls`, only clients whose certificate chain leads to its authorities get through the handshake.
    public init(
        mcu: any MCUController, identity: MCUInstanceIdentity, host: String, port: Int, token: String, tls: MCUControlTLS? = nil,
        logger: Logger, refusals: MCUControlRefusals = MCUControlRefusals()
    ) {
        self.host = host
        self.logger = logger
        self.refusals = refusals
        transport = HTTP2ServerTransport.Posix(address: .ipv4(host: host, port: port), transportSecurity: tls?.serverSecurity ?? .plaintext)
        service = MCUControlService(mcu: mcu, identity: identity, logger: logger)
        server = GRPCServer(transport: transport, services: [service], interceptors: [MCUControlAuthInterceptor(token: token, logger: logger, refusals: refusals)])
    }

    /// Serves until ``stop()`` (or a bind failure, thrown with the address).
    public func run() async throws {
        await service.start()
        do {
            try await server.serve()
        } catch {
            throw MCUControlError(.failed, "MCU control cannot serve on \(host): \(error)")
        }
    }

    /// The port it listens on, once bound; nil when binding failed.
    public func listeningPort() async -> Int? {
        guard let address = try? await transport.listeningAddress else { return nil }
        return address.ipv4?.port
    }

    /// Who the instance says it is in Hello (its id may be known only once the port is bound).
    public var identity: MCUInstanceIdentity {
        get { service.identity }
        set { service.identity = newValue }
    }

    /// No new conferences from now on (the instance is draining).
    public func drain() { service.drain() }

    public var isDraining: Bool { service.isDraining }

    /// Conferences created through this server and not removed, with their placement epochs.
    public var conferences: [ConferenceID: UInt64] { service.conferences }

    /// Removes a conference this instance no longer owns (the pool placed it elsewhere under a newer epoch).
    public func drop(_ conference: ConferenceID) async { await service.drop(conference) }

    /// Stops accepting calls, ends the event streams, and lets calls in flight finish.
    public func stop() {
        service.finishWatchers()
        server.beginGracefulShutdown()
    }
}
