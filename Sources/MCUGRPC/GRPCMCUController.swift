import GRPCCore
import GRPCNIOTransportHTTP2
public import Logging
public import MCUControl
import Synchronization

/// A `consort mcu` instance driven over gRPC: the focus's ``MCUController`` for a remote MCU. Every call carries the
/// shared token and the protocol revision and has a deadline; the instance's events and load reports arrive on one
/// `Watch` stream, reopened when it breaks. ``health`` says when the last report came and whether the stream is up,
/// for the pool to judge the instance.
public final class GRPCMCUController: MCUController, Sendable {
    /// The instance as logs and errors name it (its id, or host:port until Hello told the id).
    public let name: String
    public let host: String
    public let port: Int
    private let client: GRPCClient<HTTP2ClientTransport.Posix>
    private let stub: Consort_Mcu_V1_MCUControl.Client<HTTP2ClientTransport.Posix>
    private let metadata: Metadata
    private let options: CallOptions
    private let logger: Logger
    private let state = Mutex(State())

    /// What the stream has shown of the instance.
    public struct Health: Sendable, Equatable {
        /// The last load report, and when it came (monotonic).
        public var load: MCULoadReport?
        public var reportedAt: ContinuousClock.Instant?
        /// Whether the Watch stream is open now; how many times it broke.
        public var streamUp = false
        public var streamBreaks = 0
    }

    private struct State {
        var handler: (@Sendable (MCUEvent) -> Void)?
        var health = Health()
        var loadInterval: Duration = .seconds(1)
    }

    /// Finished by ``shutdown()``: ``run()`` then ends its connections and its stream.
    private let stopped: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation)
    /// A value when the Watch stream is wanted (``startWatching(loadInterval:handler:)``).
    private let watchWanted: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation)

    /// A client of the instance at `host`:`port` with `token`; each call times out after `callTimeout`; with `tls` over
    /// mutual TLS. `revision` is the protocol revision announced (another than the current one only to test refusals).
    /// Calls go through once ``run()`` runs (it keeps the connection and the Watch stream).
    public init(
        name: String? = nil, host: String, port: Int, token: String, tls: MCUControlTLS? = nil, callTimeout: Duration = .seconds(2),
        logger: Logger, revision: UInt32 = MCUProtocolRevision.current
    ) throws(MCUControlError) {
        self.host = host
        self.port = port
        self.name = name ?? "\(host):\(port)"
        self.logger = logger
        let transport: HTTP2ClientTransport.Posix
        do {
            transport = try HTTP2ClientTransport.Posix(
                target: .ipv4(address: host, port: port), transportSecurity: tls?.clientSecurity ?? .plaintext)
        } catch {
            throw MCUControlError(.failed, "cannot make a gRPC channel to MCU \(host):\(port): \(error)")
        }
        client = GRPCClient(transport: transport)
        stub = Consort_Mcu_V1_MCUControl.Client(wrapping: client)
        var metadata = Metadata()
        metadata.addString("Bearer \(token)", forKey: "authorization")
        metadata.addString(String(revision), forKey: MCUProtocolRevision.metadataKey)
        self.metadata = metadata
        var options = CallOptions.defaults
        options.timeout = callTimeout
        self.options = options
        stopped = AsyncStream.makeStream(of: Void.self)
        watchWanted = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Keeps the connection (and, once asked for, the Watch stream, reopened half a second after it breaks) until
    /// ``shutdown()`` or cancellation: run it as a child task of whatever owns the client (the pool's watcher).
    public func run() async {
        let client = self.client
        await withDiscardingTaskGroup { group in
            group.addTask { _ = try? await client.runConnections() }
            group.addTask { [self] in
                var wanted = false
                for await _ in watchWanted.stream {
                    wanted = true
                    break
                }
                while wanted && !Task.isCancelled {
                    await watchOnce()
                    guard !Task.isCancelled else { return }
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            for await _ in stopped.stream {}
            group.cancelAll()
            client.beginGracefulShutdown()
        }
    }

    /// Ends ``run()``: the event stream stops and the connection closes.
    public func shutdown() {
        state.withLock { $0.handler = nil }
        watchWanted.continuation.finish()
        stopped.continuation.finish()
    }

    public var health: Health { state.withLock { $0.health } }

    /// Runs one call, turning a gRPC failure into the ``MCUControlError`` the focus understands.
    private func call<T: Sendable>(_ body: () async throws -> T) async throws(MCUControlError) -> T {
        do {
            return try await body()
        } catch {
            throw MCUControlError(error, instance: name)
        }
    }

    /// Who the instance is and which revisions it speaks.
    public func hello(focus: String) async throws(MCUControlError) -> (id: String, mediaAddress: String, loops: Int) {
        let response = try await call { try await stub.hello(.with { $0.focus = focus }, metadata: metadata, options: options) }
        return (response.instanceID, response.mediaAddress, Int(response.loops))
    }

    /// Creates a conference under a placement epoch (the pool's fence).
    public func addConference(_ conference: ConferenceID, epoch: UInt64) async throws(MCUControlError) {
        _ = try await call {
            try await stub.addConference(
                .with {
                    $0.conference = conference.proto
                    $0.epoch = epoch
                }, metadata: metadata, options: options)
        }
    }

    /// The conferences the instance runs, with the epoch each was created under and its endpoint count.
    public func conferences() async throws(MCUControlError) -> [(conference: ConferenceID, epoch: UInt64, endpoints: Int)] {
        let list = try await call { try await stub.conferences(Consort_Mcu_V1_Empty(), metadata: metadata, options: options) }
        return list.conferences.map { (ConferenceID($0.conference), $0.epoch, Int(clamping: $0.endpoints)) }
    }

    // MARK: - MCUController

    public func addConference(_ conference: ConferenceID) async throws(MCUControlError) {
        try await addConference(conference, epoch: 0)
    }

    public func removeConference(_ conference: ConferenceID) async {
        do {
            _ = try await call { try await stub.removeConference(conference.proto, metadata: metadata, options: options) }
        } catch {
            logger.warning("cannot remove a conference on an MCU", metadata: ["mcu": "\(name)", "conference": "\(conference)", "error": "\(error)"])
        }
    }

    public func addEndpoint(_ request: AddEndpointRequest) async throws(MCUControlError) -> AddEndpointResponse {
        AddEndpointResponse(try await call { try await stub.addEndpoint(request.proto, metadata: metadata, options: options) })
    }

    public func modifyEndpoint(_ request: ModifyEndpointRequest) async throws(MCUControlError) -> AddEndpointResponse? {
        let response = try await call { try await stub.modifyEndpoint(request.proto, metadata: metadata, options: options) }
        return response.hasResponse ? AddEndpointResponse(response.response) : nil
    }

    public func removeEndpoint(_ conference: ConferenceID, _ endpoint: EndpointID) async {
        do {
            _ = try await call {
                try await stub.removeEndpoint(
                    .with {
                        $0.conference = conference.proto
                        $0.endpoint = endpoint.value
                    }, metadata: metadata, options: options)
            }
        } catch {
            logger.warning("cannot remove an endpoint on an MCU", metadata: ["mcu": "\(name)", "endpoint": "\(endpoint)", "error": "\(error)"])
        }
    }

    public func playAnnouncement(_ request: AnnouncementRequest) async throws(MCUControlError) {
        _ = try await call { try await stub.playAnnouncement(request.proto, metadata: metadata, options: options) }
    }

    public func stopAnnouncement(_ conference: ConferenceID, _ endpoint: EndpointID) async {
        _ = try? await call {
            try await stub.stopAnnouncement(
                .with {
                    $0.conference = conference.proto
                    $0.endpoint = endpoint.value
                }, metadata: metadata, options: options)
        }
    }

    public func statistics(_ conference: ConferenceID) async -> ConferenceStatistics? {
        guard let response = try? await call({ try await stub.statistics(conference.proto, metadata: metadata, options: options) }),
            response.hasStatistics
        else { return nil }
        return ConferenceStatistics(response.statistics)
    }

    /// The instance's last load report from the stream, or asked for now when the stream has none.
    public func load() async -> MCULoadReport {
        if let load = state.withLock({ $0.health.load }) { return load }
        let report = try? await call { try await stub.load(Consort_Mcu_V1_Empty(), metadata: metadata, options: options) }
        return report.map(MCULoadReport.init) ?? MCULoadReport(conferences: 0, endpoints: 0, freePorts: 0, lateTicks: 0)
    }

    /// Sets where events go and opens the Watch stream (kept open, reopened half a second after it breaks).
    public func setEventHandler(_ handler: @escaping @Sendable (MCUEvent) -> Void) async {
        startWatching(handler: handler)
    }

    /// Opens the Watch stream (in ``run()``) with `loadInterval` between reports; events go to `handler` (none: reports
    /// only). Called again, it replaces the handler; a new interval applies when the stream is next opened.
    public func startWatching(loadInterval: Duration = .seconds(1), handler: (@Sendable (MCUEvent) -> Void)? = nil) {
        state.withLock { s in
            if let handler { s.handler = handler }
            s.loadInterval = loadInterval
        }
        watchWanted.continuation.yield()
    }

    private func watchOnce() async {
        let interval = state.withLock { $0.loadInterval }
        var options = CallOptions.defaults
        options.timeout = nil  // the stream lasts as long as the instance
        do {
            try await stub.watch(
                .with { $0.loadIntervalMs = UInt32(clamping: interval.components.seconds * 1_000 + interval.components.attoseconds / 1_000_000_000_000_000) },
                metadata: metadata, options: options
            ) { [weak self] response in
                for try await update in response.messages {
                    guard let self else { return }
                    switch update.kind {
                    case .load(let report):
                        self.state.withLock {
                            $0.health.load = MCULoadReport(report)
                            $0.health.reportedAt = .now
                            $0.health.streamUp = true
                        }
                    case .event(let event):
                        guard let event = MCUEvent(event) else { continue }
                        self.state.withLock { $0.handler }?(event)
                    case nil:
                        continue
                    }
                }
            }
        } catch {
            if !Task.isCancelled {
                logger.warning("MCU event stream broke", metadata: ["mcu": "\(name)", "error": "\(MCUControlError(error, instance: name))"])
            }
        }
        state.withLock { s in
            if s.health.streamUp { s.health.streamBreaks += 1 }
            s.health.streamUp = false
        }
    }
}
