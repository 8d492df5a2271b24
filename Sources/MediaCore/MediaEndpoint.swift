import AudioMixer
import MCUControl
import OpusCodec
import RTPWire
import SRTP

/// Counters of one endpoint; every bad packet lands in one of them, never in a log line.
struct EndpointCounters {
    var packetsReceived: UInt64 = 0
    var bytesReceived: UInt64 = 0
    var packetsSent: UInt64 = 0
    var bytesSent: UInt64 = 0
    var rtcpReceived: UInt64 = 0
    var rtcpSent: UInt64 = 0
    /// DTMF events (digits) reported.
    var dtmfEvents: UInt64 = 0
    var sendFailures: UInt64 = 0
}

/// One participant's audio media in a conference: its sockets, SRTP, the RTP stream it receives and the one it is
/// sent, and its place in the mixer. Confined to the conference's event loop.
final class MediaEndpoint {
    let id: EndpointID
    let label: String
    let codecName: String
    let participant: MixerParticipant
    let rtp: any DatagramPort
    let rtcp: (any DatagramPort)?
    /// The payload types of the stream (a re-INVITE may renumber them, never change the codec).
    var payloadType: UInt8
    var telephoneEventPayloadType: UInt8?
    var audioLevelExtensionID: UInt8?
    /// SRTP, when negotiated; a re-INVITE that changes keys replaces both (the old inbound key overlaps a while).
    var inbound: InboundSRTP?
    var outbound: SRTPSession?
    /// Our new key after a re-key, until the peer has our answer.
    var pendingOutbound: PendingOutboundKey?
    /// What offer/answer agreed over the call (RFC 3264 §8), read and changed by control calls only.
    var negotiation: EndpointNegotiation?
    let localSSRC: UInt32
    var counters = EndpointCounters()
    /// Audio and RTCP packets dropped, by reason.
    var drops = MediaDropCounters()
    var rtcpState: RTCPState
    /// The endpoint's video, when it negotiated some.
    var video: VideoStream?
    /// Its key in the conference (for video routing).
    var key: EndpointKey = 0

    /// Where media goes: the SDP's address until a source is learned (``MediaSourceGuard``), then that source.
    var remote: MediaAddress?
    var remoteRTCP: MediaAddress?
    /// Which sources are accepted.
    var sourceGuard: MediaSourceGuard
    /// Whether the peer has shown life (an accepted RTP packet, or accepted RTCP from the address we send to); until
    /// then we send for `unverifiedTicksLeft` more ticks only.
    var verified = false
    var unverifiedTicksLeft: UInt64
    let unverifiedSendTicks: UInt64
    /// Set on the packet path when a source is learned, logged (and cleared) by the once-a-second check.
    var learnedSourcePending = false
    /// The last source refused as not allowed (audio, RTCP or video), for the once-a-second debug line.
    var lastRefusedSource: MediaAddress?
    /// Wrong-source drops last logged at debug (once a second at most) and at notice (once a minute at most), and when.
    var wrongSourceDebugged: UInt64 = 0
    var wrongSourceNotice = (count: UInt64(0), tick: UInt64(0))
    /// Drops already added to the metrics.
    var reportedDrops = MediaDropCounters()
    /// Traffic, loss and SRTP counters already added to the metrics.
    var reportedMetrics = EndpointMetricCounters()
    var latched: Bool { sourceGuard.learned != nil }
    var remoteSSRC: UInt32?
    var lastPacketTick: UInt64 = 0
    /// Media-timeout bookkeeping: the packet count last seen, the tick it last changed, whether the silence was reported.
    var mediaWatch = (count: UInt64(0), since: UInt64(0), reported: false)
    var receiving = true
    var sending = true

    // RTP stream we send.
    var sequence: UInt16
    var timestamp: UInt32

    /// What the endpoint takes part in; isolating it takes it out of the mix both ways from the next tick.
    var mode: EndpointMode = .conference {
        didSet {
            participant.isIsolated = mode.isIsolated
            typed.removeAll(keepingCapacity: true)
        }
    }
    /// Where its DTMF digits and finished announcements are reported (set when it joins a conference).
    var events: EndpointEventSink?

    // DTMF (RFC 4733): the event in progress, identified by its RTP timestamp, reported once at its end; the digits
    // typed so far, for the self-mute sequence.
    var dtmf = DTMFEventState()
    var typed: [Character] = []
    let selfMuteSequence: [Character]

    init(
        id: EndpointID, label: String, codecName: String, participant: MixerParticipant, rtp: any DatagramPort, rtcp: (any DatagramPort)?,
        payloadType: UInt8, telephoneEventPayloadType: UInt8?, audioLevelExtensionID: UInt8?, inbound: SRTPSession?,
        outbound: SRTPSession?, source: MediaSourceGuard, unverifiedSendTicks: UInt64, selfMuteSequence: String
    ) {
        self.id = id
        self.label = label
        self.codecName = codecName
        self.participant = participant
        self.rtp = rtp
        self.rtcp = rtcp
        self.payloadType = payloadType
        self.telephoneEventPayloadType = telephoneEventPayloadType
        self.audioLevelExtensionID = audioLevelExtensionID
        self.inbound = inbound.map(InboundSRTP.init)
        self.outbound = outbound
        self.remote = source.signalled
        self.remoteRTCP = source.signalledRTCP
        self.sourceGuard = source
        self.unverifiedSendTicks = unverifiedSendTicks
        self.unverifiedTicksLeft = unverifiedSendTicks
        self.selfMuteSequence = Array(selfMuteSequence)
        var generator = SystemRandomNumberGenerator()
        localSSRC = UInt32.random(in: 1...UInt32.max, using: &generator)
        sequence = UInt16.random(in: 0...UInt16.max, using: &generator)
        timestamp = UInt32.random(in: 0...UInt32.max, using: &generator)
        rtcpState = RTCPState(clockRate: participant.format.clockRate, ssrc: localSSRC)
        reserveDTMFBuffer()
    }

    private func reserveDTMFBuffer() { typed.reserveCapacity(max(8, selfMuteSequence.count)) }

    /// Reads every queued datagram of this endpoint and hands valid audio to the mixer. A port `readiness` found idle
    /// at this tick's poll is not read at all; a ready one is read in batches (one system call each).
    func receiveAll(_ batch: DatagramBatch, readiness: SocketReadiness, now: UInt64, tick: UInt64) {
        // Bounded work per tick, so a flood on one endpoint cannot starve the conference.
        rtp.drain(batch, readiness: readiness, budget: 64) { buffer, length, source in
            handle(buffer, length: length, from: source, now: now, tick: tick)
        }
        rtcp?.drain(batch, readiness: readiness, budget: 16) { buffer, length, source in
            handleRTCP(buffer, length: length, from: source, now: now)
        }
        if dtmf.isUnreported { finishDTMFIfSilent(tick: tick) }
        if pendingOutbound != nil { settleOutboundKey(tick: tick) }
    }

    @inline(__always)
    private func handle(_ buffer: UnsafeMutableRawBufferPointer, length: Int, from source: MediaAddress, now: UInt64, tick: UInt64) {
        // A second sender's packets are dropped while the current one is live (a second apart lets a new one in).
        let expected = tick &- lastPacketTick < 50 ? remoteSSRC : nil
        let header: RTPHeader
        let plainLength: Int
        switch MediaIngress.receive(
            buffer, length: length, from: source, inbound: inbound, sourceGuard: &sourceGuard, expectedSSRC: expected, tick: tick)
        {
        case .drop(let reason):
            drops.count(reason)
            if reason == .wrongSource { lastRefusedSource = source }
            return
        case .rtcp(let n):
            acceptRTCP(buffer, length: n, from: source, now: now)
            return
        case .rtp(let parsed, let n, let learned):
            if learned { learn(source) }
            header = parsed
            plainLength = n
        }
        let packet = UnsafeRawBufferPointer(rebasing: buffer[0..<plainLength])
        verified = true
        remoteSSRC = header.ssrc
        lastPacketTick = tick
        counters.packetsReceived &+= 1
        counters.bytesReceived &+= UInt64(length)
        let payload = UnsafeRawBufferPointer(rebasing: packet[header.payloadRange])
        if header.payloadType == payloadType {
            noteReceived(sequence: header.sequenceNumber, timestamp: header.timestamp, now: now)
            guard receiving else { return }
            let level = audioLevelExtensionID.flatMap { header.audioLevel(extensionID: $0, in: packet)?.level }
            participant.receive(
                payload: payload, sequenceNumber: header.sequenceNumber, timestamp: header.timestamp, audioLevel: level,
                arrival: now)
        } else if let te = telephoneEventPayloadType, header.payloadType == te {
            handleDTMF(payload, timestamp: header.timestamp, tick: tick)
        } else {
            drops.payloadType &+= 1
        }
    }

    /// Symmetric RTP (RFC 4961): media goes where the learned source is; RTCP to its RTCP port (the same with rtcp-mux,
    /// else the signalled one on the same IP, else the next port).
    private func learn(_ source: MediaAddress) {
        if rtcp == nil {
            remoteRTCP = source
        } else if remoteRTCP?.ip != source.ip {
            remoteRTCP = MediaAddress(ip: source.ip, port: source.port &+ 1)
        }
        remote = source
        learnedSourcePending = true
    }

    /// A datagram on the RTCP port (without rtcp-mux).
    private func handleRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int, from source: MediaAddress, now: UInt64) {
        switch MediaIngress.receiveRTCP(buffer, length: length, from: source, inbound: inbound, sourceGuard: sourceGuard) {
        case .drop(let reason):
            drops.count(reason)
            if reason == .wrongSource { lastRefusedSource = source }
        case .rtcp(let n):
            acceptRTCP(buffer, length: n, from: source, now: now)
        case .rtp:
            drops.malformed &+= 1
        }
    }

    /// RTCP that passed the ingress: where reports go, whether the peer showed life, what it reports.
    private func acceptRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int, from source: MediaAddress, now: UInt64) {
        counters.rtcpReceived &+= 1
        let authenticated = inbound != nil
        if rtcp != nil && sourceGuard.rtcpTarget(source, authenticated: authenticated) { remoteRTCP = source }
        if !verified, let remote, remote.ip == source.ip { verified = true }
        readRTCP(UnsafeRawBufferPointer(rebasing: buffer[0..<length]), now: now)
    }

    /// Whether anything may be sent to the peer: it has shown life, or the unverified window is still open.
    @inline(__always)
    var mayTransmit: Bool { verified || unverifiedTicksLeft > 0 }

    /// Signalling moved the stream (re-INVITE with a new address): learning and verification start again.
    func resignal(remote newRemote: MediaAddress, rtcp newRTCP: MediaAddress?, signallingIP: UInt32? = nil) {
        sourceGuard.reset(signalled: newRemote, signalledRTCP: newRTCP, signallingIP: signallingIP)
        remote = newRemote
        remoteRTCP = newRTCP
        remoteSSRC = nil
        verified = false
        unverifiedTicksLeft = unverifiedSendTicks
    }

    /// Sends what the mixer made for this endpoint this tick: one packet, or two 10 ms ones for a peer's maxptime below 20.
    @inline(__always)
    func sendMix(buffer: UnsafeMutableRawBufferPointer) {
        // The window counts this tick: exactly `unverifiedSendSeconds` of packets go out before the peer shows life.
        let allowed = mayTransmit
        if !verified && unverifiedTicksLeft > 0 { unverifiedTicksLeft &-= 1 }
        let mix = participant.output
        for i in 0..<mix.packetCount { send(mix[i], allowed: allowed, buffer: buffer) }
    }

    @inline(__always)
    private func send(_ output: MixerPacket, allowed: Bool, buffer: UnsafeMutableRawBufferPointer) {
        defer { timestamp &+= output.timestampIncrement }
        guard output.transmit, sending, allowed, let remote else { return }
        let writer = RTPHeaderWriter(payloadType: payloadType, sequenceNumber: sequence, timestamp: timestamp, ssrc: localSSRC, marker: output.marker)
        guard let headerLength = writer.write(into: buffer), headerLength + output.payload.count + (outbound?.profile.rtpOverhead ?? 0) <= buffer.count,
            let base = buffer.baseAddress, let source = output.payload.baseAddress
        else { return }
        (base + headerLength).copyMemory(from: source, byteCount: output.payload.count)
        var length = headerLength + output.payload.count
        if let outbound {
            guard case .ok(let n) = outbound.protectRTP(buffer, length: length) else {
                counters.sendFailures &+= 1
                return
            }
            length = n
        }
        sequence &+= 1
        if rtp.send(UnsafeRawBufferPointer(buffer), length: length, to: remote) {
            counters.packetsSent &+= 1
            counters.bytesSent &+= UInt64(length)
        } else {
            counters.sendFailures &+= 1
        }
    }

    func statistics() -> EndpointStatistics {
        let allDrops = self.allDrops
        let jb = participant.jitterBuffer.counters
        let clock = Double(participant.format.clockRate)
        var statistics = EndpointStatistics(
            endpoint: id, label: label, codec: codecName, muted: participant.isMuted, speaking: participant.isSpeaker,
            packetsReceived: counters.packetsReceived, bytesReceived: counters.bytesReceived,
            packetsSent: counters.packetsSent, bytesSent: counters.bytesSent, packetsLost: jb.lost,
            packetsDropped: allDrops.total &+ jb.late &+ jb.duplicates,
            jitterMilliseconds: Double(participant.jitterBuffer.jitter) * 1000 / clock,
            jitterBufferDelayMilliseconds: jb.currentDelayMilliseconds, concealedFrames: jb.concealed &+ jb.recoveredByFEC,
            srtpFailures: allDrops.authentication &+ allDrops.replay, roundTripMilliseconds: rtcpState.roundTripMilliseconds,
            rtcpReceived: counters.rtcpReceived, rtcpSent: counters.rtcpSent,
            videoPacketsReceived: video?.packetsReceived ?? 0, videoPacketsForwarded: video?.packetsForwarded ?? 0,
            keyFrameRequests: video?.keyFrameRequestsSent ?? 0, mode: mode,
            announcement: participant.announcement.map(\.audio.name), drops: allDrops.statistics)
        statistics.selfMuted = participant.isSelfMuted
        return statistics
    }

    /// Audio, RTCP and video drops together.
    var allDrops: MediaDropCounters { video.map { drops &+ $0.drops } ?? drops }
}
