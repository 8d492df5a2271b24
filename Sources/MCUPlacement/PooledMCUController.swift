import Foundation
import Metrics
public import Logging
public import MCUControl
public import MCUGRPC
public import MCUPool
import Synchronization

/// The focus's MCU when media runs on a pool of `consort mcu` instances: one ``MCUController`` that places each new
/// conference on the instance with the most headroom by measured tick cost, routes every call for a conference to the
/// instance holding it, and moves conferences off an instance that died or drains (claiming a new placement epoch in
/// the shared store, creating the conference on another instance, and telling the focus with
/// ``MCUEvent/conferenceMoved(_:)`` so it re-INVITEs the participants). ``run()`` keeps the view of the pool current.
public final class PooledMCUController: MCUController, Sendable {
    public struct Settings: Sendable {
        public var token: String
        public var callTimeout: Duration = .seconds(2)
        /// No load report (or a broken event stream) for this long marks an instance down.
        public var downAfter: Duration = .seconds(3)
        /// How often the pool is looked at.
        public var interval: Duration = .milliseconds(250)
        /// The share of an instance's loops' time the pool fills before it counts the instance as full.
        public var maxLoad = 0.8
        /// What a new conference is expected to cost (µs of tick time per second) on an instance that runs none yet.
        public var newConferenceCost: UInt64 = 20_000
        /// The focus's name, in the instances' logs.
        public var focusName = "consort-focus"
        /// Mutual TLS on the control channel (nil: plaintext, token only).
        public var tls: MCUControlTLS?

        public init(token: String) { self.token = token }
    }

    /// One instance as the pool sees it.
    struct Member: Sendable {
        var record: MCUInstance
        let client: GRPCMCUController
        let joined: ContinuousClock.Instant
        /// Tick cost placed on it since its last report (conferences not yet in a report).
        var pendingCost: UInt64 = 0
        var lastReportSeen: ContinuousClock.Instant?
    }

    struct Placement: Sendable, Equatable {
        var instance: String
        var epoch: Int64
    }

    struct State {
        var members: [String: Member] = [:]
        var placements: [ConferenceID: Placement] = [:]
        var handler: (@Sendable (MCUEvent) -> Void)?
        /// Conferences that moved off a live instance (drain): the old instance's endpoint for each participant goes
        /// once the participant's answer reached the new one.
        var leaving: [ConferenceID: String] = [:]
        /// When each of those old homes goes at the latest (participants whose answer never came).
        var leavingDeadlines: [ConferenceID: ContinuousClock.Instant] = [:]
        var moving: Set<ConferenceID> = []
        /// The placements were read and the instances looked at once.
        var ready = false
    }

    let store: any MCUPoolStore
    let settings: Settings
    let logger: Logger
    let state = Mutex(State())

    public init(store: any MCUPoolStore, settings: Settings, logger: Logger) {
        self.store = store
        self.settings = settings
        self.logger = logger
    }

    // MARK: - Watching the pool

    /// Watches the pool until cancelled: new instances are connected, silent ones marked down and their conferences
    /// moved, draining ones emptied. Reads the placements first, so a restarted focus reattaches to its conferences.
    /// Each instance's client (its connection and event stream) runs as a child task of this.
    public func run() async {
        await withDiscardingTaskGroup { group in
            await reattach()
            while !Task.isCancelled {
                await refresh { client in group.addTask { await client.run() } }
                state.withLock { $0.ready = true }
                try? await Task.sleep(for: settings.interval)
            }
            let clients = state.withLock { s -> [GRPCMCUController] in
                defer { s.members = [:] }
                return s.members.values.map(\.client)
            }
            for client in clients { client.shutdown() }
        }
    }

    /// The placements in the store become the routes (a focus restarted mid-meeting finds its MCUs).
    func reattach() async {
        guard let placements = try? await store.placements() else { return }
        state.withLock { s in
            for p in placements { s.placements[p.conference] = Placement(instance: p.instance, epoch: p.epoch) }
        }
        if !placements.isEmpty { logger.info("pool: reattached to placed conferences", metadata: ["conferences": "\(placements.count)"]) }
    }

    /// One look at the pool; `start` runs the client of each instance found.
    func refresh(start: (GRPCMCUController) -> Void) async {
        let due = state.withLock { s -> [(ConferenceID, String)] in
            let now = ContinuousClock.now
            return s.leavingDeadlines.filter { $0.value <= now }.compactMap { entry in s.leaving[entry.key].map { (entry.key, $0) } }
        }
        for (conference, instance) in due { await finishLeaving(conference, from: instance) }
        let records: [MCUInstance]
        do {
            records = try await store.instances()
        } catch {
            logger.warning("pool: cannot read the instances", metadata: ["error": "\(error)"])
            return
        }
        for record in records {
            if let client = connect(record) { start(client) }
        }
        let now = ContinuousClock.now
        let members = state.withLock { Array($0.members.values) }
        for member in members where member.record.state == .up || member.record.state == .draining {
            let health = member.client.health
            let heard = health.reportedAt ?? member.joined
            if now - heard > settings.downAfter {
                await markDown(member, reason: health.reportedAt == nil ? "no load report since it was found" : "no load report for \(now - heard)")
                continue
            }
            if let reportedAt = health.reportedAt, reportedAt != member.lastReportSeen {
                state.withLock {
                    $0.members[member.record.id]?.lastReportSeen = reportedAt
                    $0.members[member.record.id]?.pendingCost = 0
                }
            }
            if health.load?.draining == true || member.record.state == .draining {
                await drain(member)
            }
        }
    }

    /// Makes (or updates) the client of a registered instance; returns a new client, for the caller to run.
    func connect(_ record: MCUInstance) -> GRPCMCUController? {
        let known = state.withLock { s -> Bool in
            guard s.members[record.id] != nil else { return false }
            // A re-registered instance (restarted: new addresses) gets a new client below.
            if s.members[record.id]?.record.registration == record.registration {
                s.members[record.id]?.record = record
                return true
            }
            return false
        }
        guard !known, record.state == .up || record.state == .draining else { return nil }
        guard let (host, port) = Self.hostPort(record.registration.controlAddress) else {
            logger.warning("pool: an instance's control address is not IPv4:PORT", metadata: ["mcu": "\(record.id)", "address": "\(record.registration.controlAddress)"])
            return nil
        }
        let client: GRPCMCUController
        do {
            client = try GRPCMCUController(
                name: record.id, host: host, port: port, token: settings.token, tls: settings.tls, callTimeout: settings.callTimeout,
                logger: logger)
        } catch {
            logger.warning("pool: cannot connect to an instance", metadata: ["mcu": "\(record.id)", "error": "\(error)"])
            return nil
        }
        let id = record.id
        client.startWatching(loadInterval: .milliseconds(500)) { [weak self] event in self?.forward(event, from: id) }
        let replaced = state.withLock { s -> GRPCMCUController? in
            let old = s.members[id]?.client
            s.members[id] = Member(record: record, client: client, joined: .now)
            return old
        }
        replaced?.shutdown()
        logger.info("pool: instance found", metadata: ["mcu": "\(id)", "control": "\(record.registration.controlAddress)", "media": "\(record.registration.mediaAddress)"])
        return client
    }

    /// An event from an instance, for the focus: only for conferences that instance holds now (a conference moved away
    /// may still report from its old home).
    func forward(_ event: MCUEvent, from instance: String) {
        let handler = state.withLock { s -> (@Sendable (MCUEvent) -> Void)? in
            guard s.placements[event.conference]?.instance == instance else { return nil }
            return s.handler
        }
        handler?(event)
    }

    static func hostPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) else { return nil }
        return (String(text[..<colon]), port)
    }

    // MARK: - Placement

    /// The instance for a new conference: the most headroom by measured tick cost (what its loops offer, less what its
    /// conferences took in the last second and what was placed there since), never one without room.
    func choose(excluding excluded: Set<String> = []) throws(MCUControlError) -> (id: String, client: GRPCMCUController) {
        let candidates = state.withLock { s in s.members.values.filter { $0.record.state == .up && !excluded.contains($0.record.id) } }
        var best: (headroom: Double, conferences: Int, member: Member)?
        for member in candidates {
            let health = member.client.health
            guard let load = health.load, health.streamUp, load.draining != true else { continue }
            let loops = Double(max(1, load.loops ?? member.record.registration.cores))
            let used = Double(load.tickMicrosecondsPerSecond ?? 0) + Double(member.pendingCost)
            let perConference = load.conferences > 0 ? Double(load.tickMicrosecondsPerSecond ?? 0) / Double(load.conferences) : 0
            let expected = max(Double(settings.newConferenceCost), perConference)
            let headroom = loops * 1_000_000 * settings.maxLoad - used - expected
            guard headroom >= 0, load.freePorts >= 2 else { continue }
            let better = best.map { headroom > $0.headroom || (headroom == $0.headroom && load.conferences < $0.conferences) } ?? true
            if better { best = (headroom, load.conferences, member) }
        }
        guard let chosen = best?.member else {
            throw MCUControlError(.capacity, candidates.isEmpty ? "no MCU instance is up" : "no MCU instance has room for another conference")
        }
        return (chosen.record.id, chosen.client)
    }

    func route(_ conference: ConferenceID) throws(MCUControlError) -> (instance: String, client: GRPCMCUController) {
        let found = state.withLock { s -> (String, GRPCMCUController)? in
            guard let p = s.placements[conference], let member = s.members[p.instance] else { return nil }
            return (p.instance, member.client)
        }
        guard let found else { throw MCUControlError(.notFound, "no conference \(conference) on any MCU instance") }
        return found
    }

    /// Claims the conference for an instance in the store and creates it there; returns the placement.
    func place(_ conference: ConferenceID, on chosen: (id: String, client: GRPCMCUController), expectedEpoch: Int64?)
        async throws(MCUControlError) -> Placement
    {
        let claim: PlacementClaim
        do {
            claim = try await store.claimPlacement(conference, on: chosen.id, expectedEpoch: expectedEpoch)
        } catch {
            throw MCUControlError(.failed, "pool store: \(error)")
        }
        guard let placed = claim.claimed else {
            throw MCUControlError(.failed, "conference \(conference) was placed by someone else meanwhile")
        }
        do {
            try await chosen.client.addConference(conference, epoch: UInt64(clamping: placed.epoch))
        } catch {
            _ = try? await store.releasePlacement(conference, epoch: placed.epoch)
            throw error
        }
        let placement = Placement(instance: chosen.id, epoch: placed.epoch)
        state.withLock { s in
            s.placements[conference] = placement
            let estimate = s.members[chosen.id]?.client.health.load.map { load -> UInt64 in
                load.conferences > 0 ? (load.tickMicrosecondsPerSecond ?? 0) / UInt64(load.conferences) : 0
            } ?? 0
            s.members[chosen.id]?.pendingCost &+= max(settings.newConferenceCost, estimate)
        }
        return placement
    }

    // MARK: - Failure and drain

    func markDown(_ member: Member, reason: String) async {
        let id = member.record.id
        let first = state.withLock { s -> Bool in
            guard s.members[id]?.record.state != .down else { return false }
            s.members[id]?.record.state = .down
            return true
        }
        guard first else { return }
        logger.error("pool: MCU instance down; moving its conferences", metadata: ["mcu": "\(id)", "reason": "\(reason)"])
        _ = try? await store.setState(instance: id, .down)
        member.client.shutdown()
        Counter(label: "consort_pool_instances_down_total").increment()
        await moveAll(from: id, alive: false, lastHeard: member.client.health.reportedAt ?? member.joined)
        state.withLock { _ = $0.members.removeValue(forKey: id) }
    }

    func drain(_ member: Member) async {
        let id = member.record.id
        if member.record.state != .draining {
            state.withLock { $0.members[id]?.record.state = .draining }
            _ = try? await store.setState(instance: id, .draining)
        }
        let moving = await moveAll(from: id, alive: true, lastHeard: nil)
        if moving > 0 { logger.notice("pool: MCU instance draining; moving its conferences", metadata: ["mcu": "\(id)", "conferences": "\(moving)"]) }
    }

    /// Moves every conference placed on `instance` elsewhere; when it is `alive` (draining) its old endpoints go once
    /// their participants are on the new instance.
    @discardableResult
    func moveAll(from instance: String, alive: Bool, lastHeard: ContinuousClock.Instant?) async -> Int {
        let conferences = state.withLock { s -> [(ConferenceID, Placement)] in
            s.placements.filter { $0.value.instance == instance && !s.moving.contains($0.key) }.map { ($0.key, $0.value) }
        }
        await withTaskGroup(of: Void.self) { group in
            for (conference, placement) in conferences {
                group.addTask { await self.move(conference, from: placement, alive: alive, lastHeard: lastHeard) }
            }
        }
        return conferences.count
    }

    /// Moves one conference; `lastHeard` is when its dead instance last reported (the media gap starts about then).
    func move(_ conference: ConferenceID, from old: Placement, alive: Bool, lastHeard: ContinuousClock.Instant?) async {
        let started = ContinuousClock.now
        state.withLock { _ = $0.moving.insert(conference) }
        defer { state.withLock { _ = $0.moving.remove(conference) } }
        do {
            let chosen = try choose(excluding: [old.instance])
            let placement = try await place(conference, on: chosen, expectedEpoch: old.epoch)
            let handler = state.withLock { s -> (@Sendable (MCUEvent) -> Void)? in
                if alive { s.leaving[conference] = old.instance }
                return s.handler
            }
            logger.notice(
                "pool: conference moved",
                metadata: [
                    "conference": "\(conference)", "from": "\(old.instance)", "to": "\(chosen.id)", "epoch": "\(placement.epoch)",
                    "milliseconds": "\((ContinuousClock.now - started).components.seconds * 1_000 + (ContinuousClock.now - started).components.attoseconds / 1_000_000_000_000_000)",
                ])
            handler?(.conferenceMoved(conference))
            Counter(label: "consort_pool_conference_moves_total", dimensions: [("reason", alive ? "drain" : "down")]).increment()
            if let lastHeard {
                // From the dead instance's last report to the conference placed again: the media gap, less the
                // re-INVITE round trip that follows.
                Recorder(label: "consort_pool_failover_gap_seconds")
                    .record(Double((ContinuousClock.now - lastHeard).components.attoseconds) / 1e18 + Double((ContinuousClock.now - lastHeard).components.seconds))
            }
            if alive {
                // Whatever is left on the old instance goes after the participants had time to move (``refresh()``).
                state.withLock { $0.leavingDeadlines[conference] = .now + .seconds(10) }
            }
        } catch {
            Counter(label: "consort_pool_move_failures_total").increment()
            logger.error("pool: cannot move a conference; it stays where it was", metadata: ["conference": "\(conference)", "error": "\(error)"])
        }
    }

    /// The old home of a conference moved off a draining instance: removed there.
    func finishLeaving(_ conference: ConferenceID, from instance: String) async {
        let client = state.withLock { s -> GRPCMCUController? in
            s.leavingDeadlines[conference] = nil
            guard s.leaving[conference] == instance else { return nil }
            s.leaving[conference] = nil
            return s.members[instance]?.client
        }
        await client?.removeConference(conference)
    }

    // MARK: - MCUController

    public func addConference(_ conference: ConferenceID) async throws(MCUControlError) {
        if let (_, client) = try? route(conference) {
            try await client.addConference(conference)  // idempotent on the instance
            return
        }
        _ = try await place(conference, on: try choose(), expectedEpoch: nil)
    }

    public func removeConference(_ conference: ConferenceID) async {
        let removed = state.withLock { s -> (Placement, GRPCMCUController?)? in
            guard let p = s.placements.removeValue(forKey: conference) else { return nil }
            return (p, s.members[p.instance]?.client)
        }
        guard let (placement, client) = removed else { return }
        await client?.removeConference(conference)
        _ = try? await store.releasePlacement(conference, epoch: placement.epoch)
        if let old = state.withLock({ s in
            s.leavingDeadlines[conference] = nil
            return s.leaving.removeValue(forKey: conference)
        }) {
            await state.withLock { $0.members[old]?.client }?.removeConference(conference)
        }
    }

    public func addEndpoint(_ request: AddEndpointRequest) async throws(MCUControlError) -> AddEndpointResponse {
        let (instance, client) = try route(request.conference)
        var routed = request
        // The instance's own media address goes into the SDP, not the focus's.
        if let media = state.withLock({ $0.members[instance]?.record.registration.mediaAddress }) { routed.advertisedAddress = media }
        return try await client.addEndpoint(routed)
    }

    public func modifyEndpoint(_ request: ModifyEndpointRequest) async throws(MCUControlError) -> AddEndpointResponse? {
        let (instance, client) = try route(request.conference)
        var routed = request
        if request.advertisedAddress != nil, let media = state.withLock({ $0.members[instance]?.record.registration.mediaAddress }) {
            routed.advertisedAddress = media
        }
        let response = try await client.modifyEndpoint(routed)
        if request.answer != nil, let (oldID, old) = state.withLock({ s in s.leaving[request.conference].flatMap { id in s.members[id].map { (id, $0.client) } } }) {
            // The participant's phone now sends to the new instance: its old endpoint goes, and the old conference with
            // its last endpoint.
            await old.removeEndpoint(request.conference, request.endpoint)
            if await old.statistics(request.conference)?.endpoints.isEmpty ?? true {
                await finishLeaving(request.conference, from: oldID)
            }
        }
        return response
    }

    public func removeEndpoint(_ conference: ConferenceID, _ endpoint: EndpointID) async {
        guard let (_, client) = try? route(conference) else { return }
        await client.removeEndpoint(conference, endpoint)
    }

    public func playAnnouncement(_ request: AnnouncementRequest) async throws(MCUControlError) {
        try await route(request.conference).client.playAnnouncement(request)
    }

    public func stopAnnouncement(_ conference: ConferenceID, _ endpoint: EndpointID) async {
        guard let (_, client) = try? route(conference) else { return }
        await client.stopAnnouncement(conference, endpoint)
    }

    /// Returns after the first look at the pool (placements read, instances connected), or after five call timeouts.
    public func waitUntilReady() async {
        let start = ContinuousClock.now
        while !state.withLock({ $0.ready }), ContinuousClock.now - start < settings.callTimeout * 5 {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    public func setEventHandler(_ handler: @escaping @Sendable (MCUEvent) -> Void) async {
        state.withLock { $0.handler = handler }
    }

    public func statistics(_ conference: ConferenceID) async -> ConferenceStatistics? {
        guard let (_, client) = try? route(conference) else { return nil }
        return await client.statistics(conference)
    }

    /// The pool's load: the sum of the instances' last reports.
    public func load() async -> MCULoadReport {
        let loads = state.withLock { s in s.members.values.compactMap { $0.client.health.load } }
        return MCULoadReport(
            conferences: loads.reduce(0) { $0 + $1.conferences }, endpoints: loads.reduce(0) { $0 + $1.endpoints },
            freePorts: loads.reduce(0) { $0 + $1.freePorts }, lateTicks: loads.reduce(0) { $0 &+ $1.lateTicks },
            loops: loads.reduce(0) { $0 + ($1.loops ?? 0) }, tickMicrosecondsPerSecond: loads.reduce(0) { $0 &+ ($1.tickMicrosecondsPerSecond ?? 0) })
    }

    /// Each instance as the pool sees it now: for the admin API and `consort pool`.
    public func instances() -> [(record: MCUInstance, load: MCULoadReport?, streamUp: Bool, conferences: Int)] {
        state.withLock { s in
            s.members.values.sorted { $0.record.id < $1.record.id }.map { m in
                (m.record, m.client.health.load, m.client.health.streamUp, s.placements.values.filter { $0.instance == m.record.id }.count)
            }
        }
    }
}
