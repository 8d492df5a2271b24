public import AudioMixer
public import Logging
public import MCUControl
public import NIOCore
import NIOPosix
public import OpusCodec
import RTPWire
import SDP
import SRTP
import Synchronization

/// The A/V MCU inside `consort serve`: conferences spread over a fixed set of event loops (one per core by default),
/// each endpoint with its own UDP ports from the configured range. Control calls arrive through ``MCUController``.
public final class EmbeddedMCU: MCUController {
    public let configuration: MCUConfiguration
    let mixerConfiguration: MixerConfiguration
    let opus: OpusEncoderSettings
    let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    /// The group's loops, for placing each new conference on the least busy one.
    private let loopList: [any EventLoop]
    let ports: PortAllocator
    let conferences = Mutex<[ConferenceID: MediaConference]>([:])
    /// Prompts read once and shared.
    let prompts = PromptLibrary()
    /// DTMF digits and finished announcements, on their way to the focus.
    let events = MCUEventDispatcher()

    /// Where endpoints' datagrams go: UDP sockets, or a memory network (benchmarks, tests).
    let transport: MediaTransport
    /// Conferences tick on their loops every 20 ms (false), or only when ``tickAll(at:)`` is called (benchmarks, tests).
    let manualTicks: Bool

    /// Creates the MCU and its event loops; throws when the configuration cannot work. With `manualTicks` no conference
    /// ticks by itself: the caller drives every tick through ``tickAll(at:)`` (a benchmark of the real path, a test
    /// without sleeps).
    public init(
        configuration: MCUConfiguration, mixer: MixerConfiguration, opus: OpusEncoderSettings, logger: Logger,
        transport: MediaTransport = .udp, manualTicks: Bool = false
    ) throws(MediaError) {
        self.transport = transport
        self.manualTicks = manualTicks
        if let problem = configuration.validationProblem() { throw MediaError(.configuration, problem) }
        guard let range = configuration.portRange else { throw MediaError(.configuration, "media.rtpPorts is malformed") }
        self.configuration = configuration
        self.mixerConfiguration = mixer
        self.opus = opus
        var logger = logger
        logger[metadataKey: "subsystem"] = "mcu"
        self.logger = logger
        let loops = configuration.loops > 0 ? configuration.loops : System.coreCount
        group = MultiThreadedEventLoopGroup(numberOfThreads: loops)
        loopList = group.makeIterator().map { $0 }
        ports = PortAllocator(range: range, maxTenantShare: configuration.maxTenantPortShare)
        if !manualTicks && configuration.realtimePriority > 0 {
            RealtimeScheduling.apply(priority: configuration.realtimePriority, to: loopList, logger: self.logger)
        }
    }

    /// How many of the loops that run conferences run under SCHED_RR (``MCUConfiguration/realtimePriority``).
    public func realtimeLoopCount() async -> Int {
        var count = 0
        for loop in loopList where (try? await loop.submit { RealtimeScheduling.currentThreadIsRealtime() }.get()) == true {
            count += 1
        }
        return count
    }

    /// Stops every conference and the event loops.
    public func shutdown() async {
        let all = conferences.withLock { table -> [MediaConference] in
            defer { table.removeAll() }
            return Array(table.values)
        }
        for conference in all {
            let counts = try? await conference.eventLoop.submit { (conference.ticks, conference.lateTicks) }.get()
            await stopAndRelease(conference)
            logger.info(
                "conference stopped",
                metadata: ["conference": "\(conference.id)", "ticks": "\(counts?.0 ?? 0)", "lateTicks": "\(counts?.1 ?? 0)"])
        }
        try? await group.shutdownGracefully()
        events.finish()
    }

    /// How many event loops run conferences.
    public var loopCount: Int { configuration.loops > 0 ? configuration.loops : System.coreCount }

    // MARK: - MCUController

    public func addConference(_ id: ConferenceID) async throws(MCUControlError) {
        if conferences.withLock({ $0[id] != nil }) { return }
        let mixer: ConferenceMixer
        do {
            mixer = try ConferenceMixer(configuration: mixerConfiguration)
        } catch {
            throw MCUControlError(.failed, "cannot create the mixer: \(error)")
        }
        let conference = MediaConference(
            id: id, eventLoop: leastBusyLoop(), mixer: mixer, logger: logger, events: events,
            mediaTimeoutSeconds: configuration.mediaTimeoutSeconds, holdTimeoutSeconds: configuration.holdTimeoutSeconds)
        let inserted = conferences.withLock { table -> Bool in
            guard table[id] == nil else { return false }
            table[id] = conference
            return true
        }
        guard inserted else { return }
        let loop = conference.eventLoop
        let neighbours = manualTicks ? [] : conferences.withLock { $0.values.filter { $0.eventLoop === loop } }
        let scheduled = !manualTicks
        _ = try? await loop.submit { conference.start(scheduled: scheduled, besides: neighbours) }.get()
        logger.info("conference created", metadata: ["conference": "\(id)"])
    }

    public func removeConference(_ id: ConferenceID) async {
        guard let conference = conferences.withLock({ $0.removeValue(forKey: id) }) else { return }
        let counts = try? await conference.eventLoop.submit { (conference.ticks, conference.lateTicks) }.get()
        await stopAndRelease(conference)
        logger.info(
            "conference removed",
            metadata: ["conference": "\(id)", "ticks": "\(counts?.0 ?? 0)", "lateTicks": "\(counts?.1 ?? 0)"])
    }

    private func stopAndRelease(_ conference: MediaConference) async {
        let released = (try? await conference.eventLoop.submit { () -> [Int] in
            conference.stop()
            let ports = conference.endpoints.flatMap { [$0.rtp.port] + ($0.video.map { [$0.rtp.port] } ?? []) }
                + conference.dialOuts.values.flatMap(\.ports)
            for endpoint in conference.endpoints { conference.remove(endpoint) }
            conference.dialOuts.removeAll()
            return ports
        }.get()) ?? []
        for port in released { ports.release(port) }
    }

    public func addEndpoint(_ request: AddEndpointRequest) async throws(MCUControlError) -> AddEndpointResponse {
        guard let conference = conferences.withLock({ $0[request.conference] }) else {
            throw MCUControlError(.notFound, "no conference \(request.conference)")
        }
        try checkTickShare(tenant: request.conference.tenant)
        guard let offerText = request.offer else { return try await offerDialOut(request, in: conference) }
        let offer: SessionDescription
        do {
            offer = try SessionDescription(parsing: offerText)
        } catch {
            throw MCUControlError(.notAcceptable, error.reason)
        }
        // Sockets are bound while the answer is built, so the answer carries ports that are really ours.
        var sockets: [Int: (any DatagramPort, any DatagramPort)] = [:]
        var portRefusal: MCUControlError?
        let policy = SDPAnswerPolicy(
            address: request.advertisedAddress, allowVideo: request.policy.allowVideo, allowPlainRTP: request.policy.allowPlainRTP,
            opus: opusPolicy, sessionID: UInt64.random(in: 1...UInt64(Int64.max)))
        let answer: SDPAnswer
        do {
            answer = try SDPOfferAnswer.answer(
                offer: offer, policy: policy,
                localMedia: { index, type in
                    // One audio and one video stream per endpoint.
                    guard type == "audio" || type == "video" else { return nil }
                    let taken = sockets.keys.compactMap { offer.media.indices.contains($0) ? offer.media[$0].type : nil }
                    guard !taken.contains(type) else { return nil }
                    do throws(MCUControlError) {
                        let (port, pair) = try self.bindPortPair(tenant: request.conference.tenant)
                        sockets[index] = pair
                        return SDPLocalMedia(port: port)
                    } catch {
                        portRefusal = portRefusal ?? error
                        return nil
                    }
                },
                // A fresh key per m-line; each stream's sessions are later made from the key its own answer line carries.
                makeKey: { suite in
                    SRTPProfile(rawValue: suite).flatMap { try? SRTPKeyMaterial.random(profile: $0).inlineKeyParameter }
                })
        } catch {
            for (_, pair) in sockets { ports.release(pair.0.port) }
            // No ports is a load problem (503), not a problem of the offer (488).
            if let portRefusal, sockets.isEmpty { throw portRefusal }
            throw MCUControlError(.notAcceptable, error.reason)
        }
        var agreed = answer
        Self.applyMode(request.mode, to: &agreed)
        var settings = EndpointSettings(request)
        settings.negotiation = EndpointNegotiation(
            local: agreed.description, negotiated: agreed.media, address: request.advertisedAddress, policy: request.policy)
        let media = try await start(agreed.media, sockets: sockets, in: conference, settings: settings, portRefusal: portRefusal)
        return AddEndpointResponse(answer: agreed.description.serialized, media: media)
    }

    /// The Opus parameters written into our descriptions.
    var opusPolicy: SDPOpusPolicy {
        SDPOpusPolicy(maxAverageBitrate: opus.bitrate, useInbandFEC: opus.inbandFEC, useDTX: opus.dtx)
    }

    /// An RTP/RTCP socket pair on free ports chosen at random from the range, charged to `tenant`; throws `capacity`
    /// when none is left or the tenant holds its share.
    func bindPortPair(tenant: String) throws(MCUControlError) -> (Int, (any DatagramPort, any DatagramPort)) {
        let bindAddress = configuration.bindAddress
        let transport = self.transport
        var pair: (any DatagramPort, any DatagramPort)?
        let port = try ports.allocate(tenant: tenant) { port in
            switch transport {
            case .udp:
                guard let rtp = try? UDPSocket(address: bindAddress, port: port),
                    let rtcp = try? UDPSocket(address: bindAddress, port: port + 1)
                else { return false }
                pair = (rtp, rtcp)
            case .memory(let network):
                guard let rtp = network.open(host: bindAddress, port: port), let rtcp = network.open(host: bindAddress, port: port + 1)
                else { return false }
                pair = (rtp, rtcp)
            }
            return true
        }
        guard let pair else { throw MCUControlError(.capacity, "no RTP ports left in \(configuration.rtpPorts)") }
        return (port, pair)
    }

    /// The direction we answered (RFC 3264 §6.1): hold by the other side means we stop sending to it.
    static func apply(_ direction: SDPDirection, to endpoint: MediaEndpoint) {
        endpoint.sending = direction == .sendrecv || direction == .sendonly
        endpoint.receiving = direction == .sendrecv || direction == .recvonly
    }

    public func modifyEndpoint(_ request: ModifyEndpointRequest) async throws(MCUControlError) -> AddEndpointResponse? {
        guard let conference = conferences.withLock({ $0[request.conference] }) else {
            throw MCUControlError(.notFound, "no conference \(request.conference)")
        }
        if request.offer != nil && request.answer != nil {
            throw MCUControlError(.notAcceptable, "a modification carries a new offer or the answer to the MCU's offer, not both")
        }
        let found: ModifiedEndpoint? = try? await conference.eventLoop.submit { () -> ModifiedEndpoint in
            if let endpoint = conference.endpoints.first(where: { $0.id == request.endpoint }) {
                if let muted = request.muted { endpoint.participant.isMuted = muted }
                if let mode = request.mode { conference.setMode(mode, of: endpoint) }
                if let pin = request.pinVideo { conference.pinVideo(pin ? endpoint.id : nil) }
                if request.answerConfirmed {
                    endpoint.confirmOutboundKey()
                    endpoint.video?.confirmOutboundKey()
                }
                return .started
            }
            guard conference.dialOuts[request.endpoint] != nil else { return .none }
            if let muted = request.muted { conference.dialOuts[request.endpoint]?.settings.muted = muted }
            if let mode = request.mode { conference.dialOuts[request.endpoint]?.settings.mode = mode }
            return .awaitingAnswer
        }.get()
        guard let found, found != .none else {
            throw MCUControlError(.notFound, "no endpoint \(request.endpoint) in \(request.conference)")
        }
        if request.reoffer && (request.offer != nil || request.answer != nil) {
            throw MCUControlError(.notAcceptable, "a re-offer is asked for alone, without an offer or answer")
        }
        if let answerText = request.answer {
            if found == .started {
                return try await applyReofferAnswer(answerText, for: request.endpoint, in: conference, signallingSource: request.signallingSource)
            }
            return try await applyDialOutAnswer(answerText, for: request.endpoint, in: conference, signallingSource: request.signallingSource)
        }
        if request.reoffer {
            guard found == .started else {
                throw MCUControlError(.notAcceptable, "endpoint \(request.endpoint) has no media yet: the answer to the MCU's offer comes first")
            }
            return try await reoffer(conference, endpoint: request.endpoint)
        }
        guard let offerText = request.offer else { return nil }
        guard found == .started else {
            throw MCUControlError(.notAcceptable, "endpoint \(request.endpoint) has no media yet: the answer to the MCU's offer comes first")
        }
        return try await reanswer(conference, request: request, offerText: offerText)
    }

    /// What `modifyEndpoint` found.
    private enum ModifiedEndpoint: Sendable {
        case none, started, awaitingAnswer
    }

    public func removeEndpoint(_ conferenceID: ConferenceID, _ endpointID: EndpointID) async {
        guard let conference = conferences.withLock({ $0[conferenceID] }) else { return }
        let released: [Int]? = try? await conference.eventLoop.submit { () -> [Int]? in
            if let dialOut = conference.dialOuts.removeValue(forKey: endpointID) { return dialOut.ports }
            guard let endpoint = conference.endpoints.first(where: { $0.id == endpointID }) else { return nil }
            conference.remove(endpoint)
            return [endpoint.rtp.port] + (endpoint.video.map { [$0.rtp.port] } ?? [])
        }.get()
        if let released {
            for port in released { ports.release(port) }
            logger.info("endpoint removed", metadata: ["conference": "\(conferenceID)", "endpoint": "\(endpointID)"])
        }
    }

    public func statistics(_ id: ConferenceID) async -> ConferenceStatistics? {
        guard let conference = conferences.withLock({ $0[id] }) else { return nil }
        return try? await conference.eventLoop.submit { conference.statistics() }.get()
    }

    public func load() async -> MCULoadReport {
        let all = conferences.withLock { Array($0.values) }
        var endpoints = 0
        var late: UInt64 = 0
        var busy: UInt64 = 0
        for c in all {
            busy &+= c.recentBusyNanoseconds.load(ordering: .relaxed)
            if let s = try? await c.eventLoop.submit({ (c.endpoints.count, c.lateTicks) }).get() {
                endpoints += s.0
                late &+= s.1
            }
        }
        return MCULoadReport(
            conferences: all.count, endpoints: endpoints, freePorts: ports.free, lateTicks: late, loops: loopList.count,
            tickMicrosecondsPerSecond: busy / 1_000)
    }

    // MARK: - Manual ticks

    /// Runs one tick of every conference at `now` on the calling thread (an MCU made with `manualTicks`; otherwise
    /// nothing happens). No control call may run meanwhile: the caller drives setup and ticks in turn, as a benchmark
    /// or a test does. Nothing here allocates in steady state.
    public func tickAll(at now: NIODeadline) {
        guard manualTicks else { return }
        conferences.withLock { table in
            for conference in table.values { conference.runTick(at: now) }
        }
    }

    /// Measure the time inside libopus from now on (manual ticks only: the mixers are read on the caller's thread).
    public func setProfiling(_ on: Bool) {
        guard manualTicks else { return }
        conferences.withLock { for conference in $0.values { conference.mixer.profiling = on } }
    }

    /// Nanoseconds spent in libopus by every conference's mixer while profiling (manual ticks only).
    public var codecNanoseconds: UInt64 {
        guard manualTicks else { return 0 }
        return conferences.withLock { $0.values.reduce(0) { $0 &+ $1.mixer.profile.codecNanoseconds } }
    }

    // MARK: - Tick time

    /// The tick time `tenant`'s conferences, and all conferences, took in the last second, in nanoseconds.
    func measuredTickTime(tenant: String) -> (tenant: UInt64, all: UInt64) {
        conferences.withLock { table in
            table.values.reduce((tenant: 0, all: 0)) { sum, conference in
                let busy = conference.recentBusyNanoseconds.load(ordering: .relaxed)
                return (conference.id.tenant == tenant ? sum.tenant &+ busy : sum.tenant, sum.all &+ busy)
            }
        }
    }

    /// Refuses (`capacity`) a new endpoint when, in the last second, its tenant's conferences took more than
    /// `maxTenantTickShare` of the MCU's tick time (what is left stays for the other tenants' quotas), or all
    /// conferences together more than `maxTickShare` (what is left stays for the calls already mixing and the other
    /// threads).
    func checkTickShare(tenant: String) throws(MCUControlError) {
        let used = measuredTickTime(tenant: tenant)
        let second = Double(loopList.count) * 1e9
        let percent = { (value: Double) in String(Int((value * 100).rounded())) }
        if Double(used.tenant) > second * configuration.maxTenantTickShare {
            throw MCUControlError(
                .capacity,
                "tenant \(tenant) uses \(percent(Double(used.tenant) / second))% of the media tick time "
                    + "(its share is \(percent(configuration.maxTenantTickShare))%)")
        }
        if Double(used.all) > second * configuration.maxTickShare {
            throw MCUControlError(
                .capacity,
                "the media loops are busy \(percent(Double(used.all) / second))% of the time "
                    + "(media.maxTickShare is \(percent(configuration.maxTickShare))%)")
        }
    }

    /// The loop whose conferences took the least tick time in the last second; among equals, the one with the fewest
    /// conferences (new conferences measure 0 until their first second).
    private func leastBusyLoop() -> any EventLoop {
        let load = conferences.withLock { table -> [(busy: UInt64, count: Int)] in
            var load = Array(repeating: (busy: UInt64(0), count: 0), count: loopList.count)
            for conference in table.values {
                guard let index = loopList.firstIndex(where: { $0 === conference.eventLoop }) else { continue }
                load[index].busy &+= conference.recentBusyNanoseconds.load(ordering: .relaxed)
                load[index].count += 1
            }
            return load
        }
        guard let best = load.indices.min(by: { (load[$0].busy, load[$0].count) < (load[$1].busy, load[$1].count) }) else {
            return group.next()
        }
        return loopList[best]
    }
}
