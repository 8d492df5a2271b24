import Metrics

/// The tenant's media metrics as one conference feeds them: the swift-metrics objects, made once when the conference
/// is created (the backend hands every conference of a tenant the same time series), and what the conference adds to
/// the tenant's gauges now. Touched once a second and on control calls, on the conference's loop; never per packet.
///
/// Counters take deltas of the endpoints' plain counters. Gauges are per tenant while conferences run on several
/// loops, so none of them is ever set: each conference moves them by the change in its own contribution (an atomic
/// add in the backend), and a conference that stops takes its whole contribution back out.
final class MediaMetrics {
    /// The metric names, as `/metrics` shows them (the README lists them; `Config/grafana/consort-media.json` charts them).
    enum Name {
        static let packetsReceived = "consort_media_packets_received_total"
        static let packetsSent = "consort_media_packets_sent_total"
        static let bytesReceived = "consort_media_received_bytes_total"
        static let bytesSent = "consort_media_sent_bytes_total"
        static let packetsLost = "consort_media_packets_lost_total"
        static let concealedFrames = "consort_media_concealed_frames_total"
        static let srtpFailures = "consort_media_srtp_failures_total"
        static let jitter = "consort_media_jitter_seconds"
        static let jitterBufferDelay = "consort_media_jitter_buffer_delay_seconds"
        static let conferences = "consort_media_conferences"
        static let endpoints = "consort_media_endpoints"
        static let speakers = "consort_media_speakers"
        static let lossProtected = "consort_media_loss_protected_endpoints"
    }

    /// RTP packets and bytes accepted from endpoints and sent to them, by `kind` (audio, video).
    let received: (audio: StreamCounters, video: StreamCounters)
    let sent: (audio: StreamCounters, video: StreamCounters)
    /// Audio frames due that never arrived while later ones did.
    let packetsLost: Counter
    /// Frames made up for loss: by packet-loss concealment (`method="plc"`) and from Opus in-band FEC (`method="fec"`).
    let concealed: Counter
    let recoveredByFEC: Counter
    /// SRTP/SRTCP packets that did not authenticate, and replays.
    let authenticationFailures: Counter
    let replays: Counter
    /// Histograms, one observation per endpoint receiving audio per second.
    let jitter: Recorder
    let jitterBufferDelay: Recorder
    /// The tenant's gauges.
    let conferences: Meter
    let endpoints: Meter
    let speakers: Meter
    /// Endpoints sent SILK/hybrid audio with in-band FEC because their receivers reported loss (adaptive Opus).
    let lossProtected: Meter
    /// Whether the conference counts in the gauges (between `start` and `stop`).
    var active = false
    /// What the conference adds to the tenant's gauges now.
    private(set) var contribution = MediaGaugeContribution()

    /// Packets and bytes of one direction and kind.
    struct StreamCounters {
        let packets: Counter
        let bytes: Counter

        init(packets: String, bytes: String, tenant: String, kind: String) {
            self.packets = Counter(label: packets, dimensions: [("tenant", tenant), ("kind", kind)])
            self.bytes = Counter(label: bytes, dimensions: [("tenant", tenant), ("kind", kind)])
        }

        func add(packets: UInt64, bytes: UInt64) {
            MediaMetrics.add(packets, to: self.packets)
            MediaMetrics.add(bytes, to: self.bytes)
        }
    }

    init(tenant: String) {
        let t = ("tenant", tenant)
        received = (
            StreamCounters(packets: Name.packetsReceived, bytes: Name.bytesReceived, tenant: tenant, kind: "audio"),
            StreamCounters(packets: Name.packetsReceived, bytes: Name.bytesReceived, tenant: tenant, kind: "video")
        )
        sent = (
            StreamCounters(packets: Name.packetsSent, bytes: Name.bytesSent, tenant: tenant, kind: "audio"),
            StreamCounters(packets: Name.packetsSent, bytes: Name.bytesSent, tenant: tenant, kind: "video")
        )
        packetsLost = Counter(label: Name.packetsLost, dimensions: [t])
        concealed = Counter(label: Name.concealedFrames, dimensions: [t, ("method", "plc")])
        recoveredByFEC = Counter(label: Name.concealedFrames, dimensions: [t, ("method", "fec")])
        authenticationFailures = Counter(label: Name.srtpFailures, dimensions: [t, ("reason", "authentication")])
        replays = Counter(label: Name.srtpFailures, dimensions: [t, ("reason", "replay")])
        jitter = Recorder(label: Name.jitter, dimensions: [t], aggregate: true)
        jitterBufferDelay = Recorder(label: Name.jitterBufferDelay, dimensions: [t], aggregate: true)
        conferences = Meter(label: Name.conferences, dimensions: [t])
        endpoints = Meter(label: Name.endpoints, dimensions: [t])
        speakers = Meter(label: Name.speakers, dimensions: [t])
        lossProtected = Meter(label: Name.lossProtected, dimensions: [t])
    }

    /// Adds what an endpoint counted since its last report.
    func add(_ delta: EndpointMetricCounters) {
        received.audio.add(packets: delta.audio.packetsReceived, bytes: delta.audio.bytesReceived)
        received.video.add(packets: delta.video.packetsReceived, bytes: delta.video.bytesReceived)
        sent.audio.add(packets: delta.audio.packetsSent, bytes: delta.audio.bytesSent)
        sent.video.add(packets: delta.video.packetsSent, bytes: delta.video.bytesSent)
        Self.add(delta.lost, to: packetsLost)
        Self.add(delta.concealed, to: concealed)
        Self.add(delta.recoveredByFEC, to: recoveredByFEC)
        Self.add(delta.audio.authenticationFailures &+ delta.video.authenticationFailures, to: authenticationFailures)
        Self.add(delta.audio.replays &+ delta.video.replays, to: replays)
    }

    fileprivate static func add(_ count: UInt64, to counter: Counter) {
        if count > 0 { counter.increment(by: Int64(clamping: count)) }
    }

    /// Moves the tenant's gauges by the change in this conference's contribution.
    func publish(_ now: MediaGaugeContribution) {
        let before = contribution
        contribution = now
        if now.conferences != before.conferences { conferences.increment(by: Double(now.conferences - before.conferences)) }
        if now.endpoints != before.endpoints { endpoints.increment(by: Double(now.endpoints - before.endpoints)) }
        if now.speakers != before.speakers { speakers.increment(by: Double(now.speakers - before.speakers)) }
        if now.lossProtected != before.lossProtected {
            lossProtected.increment(by: Double(now.lossProtected - before.lossProtected))
        }
    }
}

/// What one conference adds to its tenant's gauges.
struct MediaGaugeContribution: Equatable {
    var conferences = 0
    var endpoints = 0
    var speakers = 0
    var lossProtected = 0
}
