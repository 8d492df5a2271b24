import GRPCCore
import Logging
import MCUControl
import Synchronization

/// Who a `consort mcu` instance is, as `Hello` tells the focus.
public struct MCUInstanceIdentity: Sendable, Equatable {
    public var id: String
    public var mediaAddress: String
    public var loops: Int

    public init(id: String, mediaAddress: String, loops: Int) {
        self.id = id
        self.mediaAddress = mediaAddress
        self.loops = loops
    }
}

/// MCUControl served over gRPC for an MCU in this process (`consort mcu`): each call is the ``MCUController`` call of
/// the same name; a control error travels as a gRPC status with its reason. Events go to every open `Watch` stream,
/// with a load report every interval. While draining, new conferences are refused (capacity) and the rest works.
final class MCUControlService: Consort_Mcu_V1_MCUControl.SimpleServiceProtocol, Sendable {
    let mcu: any MCUController
    let logger: Logger
    private let identityBox: Mutex<MCUInstanceIdentity>
    private let state = Mutex(State())

    private struct State {
        var epochs: [ConferenceID: UInt64] = [:]
        var watchers: [UInt64: AsyncStream<Consort_Mcu_V1_WatchUpdate>.Continuation] = [:]
        var nextWatcher: UInt64 = 0
        var draining = false
    }

    init(mcu: any MCUController, identity: MCUInstanceIdentity, logger: Logger) {
        self.mcu = mcu
        identityBox = Mutex(identity)
        self.logger = logger
    }

    /// Sends the MCU's events to the watchers (replaces the MCU's event handler).
    func start() async {
        await mcu.setEventHandler { [weak self] event in
            let update = Consort_Mcu_V1_WatchUpdate.with { $0.event = event.proto }
            let watchers = self?.state.withLock { Array($0.watchers.values) } ?? []
            for watcher in watchers { watcher.yield(update) }
        }
    }

    /// Who this instance is (set again once its port is known).
    var identity: MCUInstanceIdentity {
        get { identityBox.withLock { $0 } }
        set { identityBox.withLock { $0 = newValue } }
    }

    /// Refuses new conferences from now on.
    func drain() { state.withLock { $0.draining = true } }

    var isDraining: Bool { state.withLock { $0.draining } }

    /// Conferences created through this service and not removed, with their placement epochs.
    var conferences: [ConferenceID: UInt64] { state.withLock { $0.epochs } }

    /// Removes a conference the instance no longer owns (its placement moved on): media stops, the epoch is forgotten.
    func drop(_ conference: ConferenceID) async {
        await mcu.removeConference(conference)
        state.withLock { _ = $0.epochs.removeValue(forKey: conference) }
    }

    /// Ends every Watch stream (the server is stopping).
    func finishWatchers() {
        let watchers = state.withLock { s -> [AsyncStream<Consort_Mcu_V1_WatchUpdate>.Continuation] in
            defer { s.watchers = [:] }
            return Array(s.watchers.values)
        }
        for watcher in watchers { watcher.finish() }
    }

    private static func rpc(_ error: MCUControlError) -> RPCError { RPCError(code: error.rpcCode, message: error.reason) }

    func hello(request: Consort_Mcu_V1_HelloRequest, context: ServerContext) async throws -> Consort_Mcu_V1_HelloResponse {
        logger.info("focus connected", metadata: ["focus": "\(request.focus)", "peer": "\(context.remotePeer)"])
        return .with {
            $0.instanceID = identity.id
            $0.protocolRevision = MCUProtocolRevision.current
            $0.oldestAcceptedRevision = MCUProtocolRevision.oldestAccepted
            $0.mediaAddress = identity.mediaAddress
            $0.loops = UInt32(clamping: identity.loops)
        }
    }

    func addConference(request: Consort_Mcu_V1_AddConferenceRequest, context: ServerContext) async throws -> Consort_Mcu_V1_Empty {
        let conference = ConferenceID(request.conference)
        if isDraining, state.withLock({ $0.epochs[conference] == nil }) {
            throw Self.rpc(MCUControlError(.capacity, "MCU \(identity.id) is draining: it takes no new conferences"))
        }
        do {
            try await mcu.addConference(conference)
        } catch {
            throw Self.rpc(error)
        }
        state.withLock { $0.epochs[conference] = request.epoch }
        return Consort_Mcu_V1_Empty()
    }

    func removeConference(request: Consort_Mcu_V1_ConferenceRef, context: ServerContext) async throws -> Consort_Mcu_V1_Empty {
        let conference = ConferenceID(request)
        await mcu.removeConference(conference)
        state.withLock { _ = $0.epochs.removeValue(forKey: conference) }
        return Consort_Mcu_V1_Empty()
    }

    func addEndpoint(request: Consort_Mcu_V1_AddEndpointRequest, context: ServerContext) async throws -> Consort_Mcu_V1_AddEndpointResponse {
        do {
            return try await mcu.addEndpoint(AddEndpointRequest(request)).proto
        } catch {
            throw Self.rpc(error)
        }
    }

    func modifyEndpoint(request: Consort_Mcu_V1_ModifyEndpointRequest, context: ServerContext) async throws
        -> Consort_Mcu_V1_ModifyEndpointResponse
    {
        do {
            let response = try await mcu.modifyEndpoint(ModifyEndpointRequest(request))
            return .with { if let response { $0.response = response.proto } }
        } catch {
            throw Self.rpc(error)
        }
    }

    func removeEndpoint(request: Consort_Mcu_V1_EndpointRef, context: ServerContext) async throws -> Consort_Mcu_V1_Empty {
        await mcu.removeEndpoint(ConferenceID(request.conference), EndpointID(request.endpoint))
        return Consort_Mcu_V1_Empty()
    }

    func playAnnouncement(request: Consort_Mcu_V1_AnnouncementRequest, context: ServerContext) async throws -> Consort_Mcu_V1_Empty {
        do {
            try await mcu.playAnnouncement(AnnouncementRequest(request))
        } catch {
            throw Self.rpc(error)
        }
        return Consort_Mcu_V1_Empty()
    }

    func stopAnnouncement(request: Consort_Mcu_V1_EndpointRef, context: ServerContext) async throws -> Consort_Mcu_V1_Empty {
        await mcu.stopAnnouncement(ConferenceID(request.conference), EndpointID(request.endpoint))
        return Consort_Mcu_V1_Empty()
    }

    func statistics(request: Consort_Mcu_V1_ConferenceRef, context: ServerContext) async throws -> Consort_Mcu_V1_StatisticsResponse {
        let statistics = await mcu.statistics(ConferenceID(request))
        return .with { if let statistics { $0.statistics = statistics.proto } }
    }

    func load(request: Consort_Mcu_V1_Empty, context: ServerContext) async throws -> Consort_Mcu_V1_LoadReport {
        await report()
    }

    /// The MCU's load, saying whether this instance drains.
    func report() async -> Consort_Mcu_V1_LoadReport {
        var report = await mcu.load()
        report.draining = isDraining
        return report.proto
    }

    func conferences(request: Consort_Mcu_V1_Empty, context: ServerContext) async throws -> Consort_Mcu_V1_ConferenceList {
        var list = Consort_Mcu_V1_ConferenceList()
        for (conference, epoch) in conferences.sorted(by: { $0.key.description < $1.key.description }) {
            let endpoints = await mcu.statistics(conference)?.endpoints.count ?? 0
            list.conferences.append(
                .with {
                    $0.conference = conference.proto
                    $0.epoch = epoch
                    $0.endpoints = Int64(endpoints)
                })
        }
        return list
    }

    func watch(request: Consort_Mcu_V1_WatchRequest, response: RPCWriter<Consort_Mcu_V1_WatchUpdate>, context: ServerContext) async throws {
        let (updates, continuation) = AsyncStream.makeStream(of: Consort_Mcu_V1_WatchUpdate.self, bufferingPolicy: .bufferingNewest(1_024))
        let id = state.withLock { s -> UInt64 in
            s.nextWatcher &+= 1
            s.watchers[s.nextWatcher] = continuation
            return s.nextWatcher
        }
        continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.watchers.removeValue(forKey: id) } }
        let interval = Duration.milliseconds(Int(request.loadIntervalMs == 0 ? 1_000 : max(100, request.loadIntervalMs)))
        logger.info("focus watching", metadata: ["peer": "\(context.remotePeer)", "loadInterval": "\(interval)"])
        defer { continuation.finish() }
        // The reports are a child of this call: they end with it.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [weak self] in
                while !Task.isCancelled {
                    guard let report = await self?.report() else { return }
                    continuation.yield(.with { $0.load = report })
                    try? await Task.sleep(for: interval)
                }
            }
            defer { group.cancelAll() }
            for await update in updates {
                try await response.write(update)
            }
        }
    }
}
