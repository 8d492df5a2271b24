import AudioMixer
import Logging
import MCUControl
import Metrics
import NIOCore
import Synchronization

/// One conference on one event loop: every 20 ms, against a monotonic reference time, it reads what every endpoint
/// received, runs the mixer, and sends each endpoint its mix. Nothing here is touched from another thread; control
/// calls hop onto `eventLoop` first.
final class MediaConference: NIOScheduledCallbackHandler, @unchecked Sendable {
    let id: ConferenceID
    let eventLoop: any EventLoop
    let mixer: ConferenceMixer
    let logger: Logger
    let events: MCUEventDispatcher
    var endpoints: [MediaEndpoint] = []
    /// Dial-out endpoints waiting for the answer to the MCU's offer: not ticked, not sent to.
    var dialOuts: [EndpointID: DialOutOffer] = [:]
    private(set) var ticks: UInt64 = 0
    private(set) var lateTicks: UInt64 = 0
    /// Nanoseconds spent in ticks over the conference's life (two clock reads a tick, nothing allocated).
    private(set) var busyNanoseconds: UInt64 = 0
    /// What `busyNanoseconds` and `lateTicks` were at the last once-a-second watch.
    var busyAtWatch: UInt64 = 0
    var lateAtWatch: UInt64 = 0
    /// Tick time spent in the last second, in nanoseconds: the conference's measured cost, read off the loop by the
    /// MCU to share tick time between tenants and to place new conferences on the least busy loop.
    let recentBusyNanoseconds = Atomic<UInt64>(0)
    private var reference: NIODeadline = .now()
    private var scheduled: NIOScheduledCallback?
    private var due: NIODeadline = .now()
    private var running = false
    let receiveBuffer: UnsafeMutableRawBufferPointer
    /// Audio is read a socket's queue at a time into `receiveBatch`, and only from the sockets `readiness` found readable.
    let receiveBatch = DatagramBatch()
    let readiness = SocketReadiness()
    let sendBuffer: UnsafeMutableRawBufferPointer
    var videoRouter = VideoRouter()
    private var nextKey: EndpointKey = 1
    static let interval = TimeAmount.milliseconds(20)
    /// A tick that starts this much after its due time counts as late.
    static let lateness = TimeAmount.milliseconds(5)

    /// Ticks of silence from an endpoint after which the focus is told (0: never); on hold or inactive, `holdTimeoutTicks`.
    let mediaTimeoutTicks: UInt64
    let holdTimeoutTicks: UInt64
    /// Packets dropped by reason over the conference's life (endpoints that left included), added up once a second.
    var droppedTotal = MediaDropCounters()
    /// `consort_media_dropped_packets_total{tenant,reason}`, one counter per reason in ``MediaDropStatistics/byReason`` order.
    let dropMetrics: [Counter]
    /// `consort_media_tick_microseconds_total{tenant}` and `consort_media_late_ticks_total{tenant}`, added to once a second.
    let tickMetric: Counter
    let lateTickMetric: Counter
    /// The tenant's packet, loss, jitter and gauge metrics this conference feeds (MediaConference+Metrics.swift).
    let metrics: MediaMetrics

    init(
        id: ConferenceID, eventLoop: any EventLoop, mixer: ConferenceMixer, logger: Logger, events: MCUEventDispatcher,
        mediaTimeoutSeconds: Int = 0, holdTimeoutSeconds: Int = 0
    ) {
        self.id = id
        self.mediaTimeoutTicks = UInt64(max(0, mediaTimeoutSeconds)) * 50
        self.holdTimeoutTicks = UInt64(max(0, holdTimeoutSeconds)) * 50
        dropMetrics = MediaDropStatistics().byReason.map {
            Counter(label: "consort_media_dropped_packets_total", dimensions: [("tenant", id.tenant), ("reason", $0.reason)])
        }
        tickMetric = Counter(label: "consort_media_tick_microseconds_total", dimensions: [("tenant", id.tenant)])
        lateTickMetric = Counter(label: "consort_media_late_ticks_total", dimensions: [("tenant", id.tenant)])
        metrics = MediaMetrics(tenant: id.tenant)
        self.events = events
        self.eventLoop = eventLoop
        self.mixer = mixer
        self.logger = logger
        receiveBuffer = .allocate(byteCount: 2_048, alignment: 16)
        sendBuffer = .allocate(byteCount: 2_048, alignment: 16)
    }

    deinit {
        receiveBuffer.deallocate()
        sendBuffer.deallocate()
    }

    /// Starts the conference (on the loop): it counts in the tenant's gauges from now on, and ticks every 20 ms unless
    /// `scheduled` is false (an MCU whose ticks the caller drives). `neighbours`: the other conferences on this loop;
    /// this one's ticks are placed in the widest gap between theirs, so a loop's ticks spread over the 20 ms instead of
    /// queueing behind each other (a tick that waits for five others to finish starts late).
    func start(scheduled: Bool = true, besides neighbours: [MediaConference] = []) {
        eventLoop.preconditionInEventLoop()
        guard !running else { return }
        running = true
        publishGauges(active: true)
        guard scheduled else { return }
        let now = NIODeadline.now()
        let phases = neighbours.lazy.filter { $0 !== self && $0.running && $0.eventLoop === self.eventLoop }.map(\.tickPhase)
        reference = now + .nanoseconds(TickPhase.delay(from: now.uptimeNanoseconds, toWidestGapAmong: Array(phases)))
        scheduleNext()
    }

    /// Where in the 20 ms period this conference's ticks fall, in nanoseconds.
    var tickPhase: Int64 { Int64(reference.uptimeNanoseconds % UInt64(Self.interval.nanoseconds)) }

    /// Stops ticking (on the loop).
    func stop() {
        eventLoop.preconditionInEventLoop()
        running = false
        publishGauges(active: false)
        scheduled?.cancel()
        scheduled = nil
    }

    private func scheduleNext() {
        // The n-th tick is due at reference + n·20 ms: no drift however long a tick takes. A scheduled callback
        // (not a task) so a tick allocates nothing, not even for its timer.
        due = reference + Self.interval * Int64(ticks + 1)
        scheduled = try? eventLoop.assumeIsolatedUnsafeUnchecked().scheduleCallback(at: due, handler: self)
        if scheduled == nil { logger.error("cannot schedule the next tick: the event loop is shutting down") }
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        tick(due: due)
    }

    private func tick(due: NIODeadline) {
        guard running else { return }
        let now = NIODeadline.now()
        if now > due + Self.lateness { lateTicks &+= 1 }
        // Far behind (the machine stalled): start a new reference instead of running a burst of catch-up ticks.
        if now > due + .milliseconds(200) {
            reference = now - Self.interval * Int64(ticks + 1)
        }
        runTick(at: now)
        scheduleNext()
    }

    /// One tick at `now`: read every endpoint, mix, send, route video, and once a second watch and account. The
    /// scheduled ticks call it on the loop; with manual ticks (``EmbeddedMCU/tickAll(at:)``) the caller does, while no
    /// control call runs.
    func runTick(at now: NIODeadline) {
        // The tick's cost is real time, whatever media time `now` says (manual ticks drive media time by hand).
        let started = NIODeadline.now()
        ticks &+= 1
        let nanos = UInt64(max(0, now.uptimeNanoseconds))
        readiness.poll()
        for endpoint in endpoints {
            endpoint.receiveAll(receiveBatch, readiness: readiness, now: nanos, tick: ticks)
        }
        mixer.tick(now: nanos)
        for endpoint in endpoints {
            endpoint.sendMix(buffer: sendBuffer)
            endpoint.sendReportIfDue(tick: ticks, now: nanos, buffer: sendBuffer)
            if let announcement = endpoint.participant.announcement, announcement.isFinished {
                // Its last frame went out just now.
                endpoint.participant.stopAnnouncement()
                endpoint.events?.announcementFinished(announcement.audio.name)
            }
        }
        routeVideo(now: nanos, tick: ticks)
        if ticks % 50 == 0 {
            watchEndpoints()
            noteCost()
        }
        busyNanoseconds &+= UInt64(max(0, (NIODeadline.now() - started).nanoseconds))
    }

    /// Adds an endpoint (on the loop), giving it a key for video routing.
    func add(_ endpoint: MediaEndpoint) {
        endpoint.events = events.sink(conference: id, endpoint: endpoint.id)
        endpoint.key = nextKey
        nextKey += 1
        endpoints.append(endpoint)
        publishGauges()
    }

    func endpoint(withKey key: EndpointKey) -> MediaEndpoint? { endpoints.first { $0.key == key } }

    /// Pins the video everyone sees to one endpoint (nil: voice-activated again).
    func pinVideo(_ id: EndpointID?) {
        videoRouter.pinned = id.flatMap { id in endpoints.first { $0.id == id }?.key }
    }

    /// Removes an endpoint from the mix and says goodbye on RTCP (on the loop).
    func remove(_ endpoint: MediaEndpoint) {
        endpoint.sendGoodbye(buffer: sendBuffer)
        reportDrops(of: endpoint)
        reportTraffic(of: endpoint)
        mixer.remove(endpoint.participant)
        endpoints.removeAll { $0 === endpoint }
        publishGauges()
        if videoRouter.pinned == endpoint.key { videoRouter.pinned = nil }
        stopShowingVideo(of: endpoint.key)
    }

    /// Isolates an endpoint or admits it (on the loop; the mixer follows at the next tick). An isolated endpoint's
    /// video stops being shown to others at once, and it stops being sent video; admitted again, it asks for a keyframe
    /// of whatever it is shown. A pin on it stays, and applies again when it is admitted.
    func setMode(_ mode: EndpointMode, of endpoint: MediaEndpoint) {
        guard endpoint.mode != mode else { return }
        endpoint.mode = mode
        guard mode.isIsolated else { return }
        stopShowingVideo(of: endpoint.key)
        endpoint.video?.source = nil
        endpoint.video?.pending = nil
    }

    /// No receiver is shown `key`'s video any more.
    func stopShowingVideo(of key: EndpointKey) {
        if videoRouter.speaker == key { videoRouter.speaker = nil }
        if videoRouter.previousSpeaker == key { videoRouter.previousSpeaker = nil }
        for other in endpoints {
            if other.video?.source == key { other.video?.source = nil }
            if other.video?.pending == key { other.video?.pending = nil }
        }
    }

    func statistics() -> ConferenceStatistics {
        let speakerIDs = Set(mixer.currentSpeakers)
        return ConferenceStatistics(
            conference: id, ticks: ticks, lateTicks: lateTicks,
            speakers: endpoints.filter { speakerIDs.contains($0.participant.id) }.map(\.id),
            endpoints: endpoints.map { $0.statistics() },
            drops: endpoints.reduce(droppedTotal) { $0 &+ ($1.allDrops &- $1.reportedDrops) }.statistics,
            tickMicrosecondsPerSecond: recentBusyNanoseconds.load(ordering: .relaxed) / 1_000)
    }
}
