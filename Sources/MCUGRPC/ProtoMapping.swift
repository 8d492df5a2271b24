import GRPCCore
import MCUControl

// One-to-one mapping between the MCUControl messages and their protobuf forms (Proto/mcu_control.proto). Decoding
// from the wire never traps: a missing message field decodes as its default, an unknown enum value as the safe
// default, and out-of-range integers are clamped.

typealias PB = Consort_Mcu_V1_MCUControl

extension ConferenceID {
    var proto: Consort_Mcu_V1_ConferenceRef {
        .with {
            $0.tenant = tenant
            $0.meeting = meeting
        }
    }

    init(_ proto: Consort_Mcu_V1_ConferenceRef) { self.init(tenant: proto.tenant, meeting: proto.meeting) }
}

extension EndpointMode {
    var proto: Consort_Mcu_V1_EndpointMode {
        switch self {
        case .conference: .conference
        case .isolated: .isolated
        case .lobby: .lobby
        }
    }

    /// An unknown value (a newer peer) is isolated: it never puts someone into the mix by mistake.
    init(_ proto: Consort_Mcu_V1_EndpointMode) {
        switch proto {
        case .conference: self = .conference
        case .lobby: self = .lobby
        case .isolated, .UNRECOGNIZED: self = .isolated
        }
    }
}

extension EndpointPolicy {
    var proto: Consort_Mcu_V1_EndpointPolicy {
        .with {
            $0.allowVideo = allowVideo
            $0.allowPlainRtp = allowPlainRTP
            $0.muted = muted
        }
    }

    init(_ proto: Consort_Mcu_V1_EndpointPolicy) {
        self.init(allowVideo: proto.allowVideo, allowPlainRTP: proto.allowPlainRtp, muted: proto.muted)
    }
}

extension AddEndpointRequest {
    var proto: Consort_Mcu_V1_AddEndpointRequest {
        .with {
            $0.conference = conference.proto
            $0.endpoint = endpoint.value
            if let offer { $0.offer = offer }
            $0.advertisedAddress = advertisedAddress
            $0.policy = policy.proto
            $0.label = label
            $0.mode = mode.proto
            if let signallingSource { $0.signallingSource = signallingSource }
        }
    }

    init(_ p: Consort_Mcu_V1_AddEndpointRequest) {
        self.init(
            conference: ConferenceID(p.conference), endpoint: EndpointID(p.endpoint), offer: p.hasOffer ? p.offer : nil,
            advertisedAddress: p.advertisedAddress, policy: p.hasPolicy ? EndpointPolicy(p.policy) : EndpointPolicy(), label: p.label,
            mode: EndpointMode(p.mode), signallingSource: p.hasSignallingSource ? p.signallingSource : nil)
    }
}

extension EndpointMedia {
    var proto: Consort_Mcu_V1_EndpointMedia {
        .with {
            $0.type = type
            $0.accepted = accepted
            $0.localPort = Int32(clamping: localPort)
            if let codec { $0.codec = codec }
            if let payloadType { $0.payloadType = Int32(clamping: payloadType) }
            if let clockRate { $0.clockRate = Int32(clamping: clockRate) }
            if let cryptoSuite { $0.cryptoSuite = cryptoSuite }
            if let localSSRC { $0.localSsrc = localSSRC }
            if let rejectionReason { $0.rejectionReason = rejectionReason }
            if let direction { $0.direction = direction }
        }
    }

    init(_ p: Consort_Mcu_V1_EndpointMedia) {
        self.init(
            type: p.type, accepted: p.accepted, localPort: Int(p.localPort), codec: p.hasCodec ? p.codec : nil,
            payloadType: p.hasPayloadType ? Int(p.payloadType) : nil, clockRate: p.hasClockRate ? Int(p.clockRate) : nil,
            cryptoSuite: p.hasCryptoSuite ? p.cryptoSuite : nil, localSSRC: p.hasLocalSsrc ? p.localSsrc : nil,
            rejectionReason: p.hasRejectionReason ? p.rejectionReason : nil, direction: p.hasDirection ? p.direction : nil)
    }
}

extension AddEndpointResponse {
    var proto: Consort_Mcu_V1_AddEndpointResponse {
        .with {
            $0.answer = answer
            $0.media = media.map(\.proto)
        }
    }

    init(_ p: Consort_Mcu_V1_AddEndpointResponse) { self.init(answer: p.answer, media: p.media.map(EndpointMedia.init)) }
}

extension ModifyEndpointRequest {
    var proto: Consort_Mcu_V1_ModifyEndpointRequest {
        .with {
            $0.conference = conference.proto
            $0.endpoint = endpoint.value
            if let muted { $0.muted = muted }
            if let offer { $0.offer = offer }
            if let advertisedAddress { $0.advertisedAddress = advertisedAddress }
            if let pinVideo { $0.pinVideo = pinVideo }
            if let mode { $0.mode = mode.proto }
            if let answer { $0.answer = answer }
            $0.reoffer = reoffer
            if let signallingSource { $0.signallingSource = signallingSource }
            $0.answerConfirmed = answerConfirmed
        }
    }

    init(_ p: Consort_Mcu_V1_ModifyEndpointRequest) {
        self.init(
            conference: ConferenceID(p.conference), endpoint: EndpointID(p.endpoint), muted: p.hasMuted ? p.muted : nil,
            offer: p.hasOffer ? p.offer : nil, advertisedAddress: p.hasAdvertisedAddress ? p.advertisedAddress : nil,
            pinVideo: p.hasPinVideo ? p.pinVideo : nil, mode: p.hasMode ? EndpointMode(p.mode) : nil, answer: p.hasAnswer ? p.answer : nil,
            signallingSource: p.hasSignallingSource ? p.signallingSource : nil, reoffer: p.reoffer, answerConfirmed: p.answerConfirmed)
    }
}

extension AnnouncementRequest {
    var proto: Consort_Mcu_V1_AnnouncementRequest {
        .with {
            $0.conference = conference.proto
            $0.endpoint = endpoint.value
            $0.prompt = prompt
            $0.loop = loop
        }
    }

    init(_ p: Consort_Mcu_V1_AnnouncementRequest) {
        self.init(conference: ConferenceID(p.conference), endpoint: EndpointID(p.endpoint), prompt: p.prompt, loop: p.loop)
    }
}

extension MediaDropStatistics {
    var proto: Consort_Mcu_V1_MediaDropStatistics {
        .with {
            $0.malformed = malformed
            $0.authentication = authentication
            $0.replay = replay
            $0.wrongSource = wrongSource
            $0.probation = probation
            $0.wrongSsrc = wrongSSRC
            $0.payloadType = payloadType
        }
    }

    init(_ p: Consort_Mcu_V1_MediaDropStatistics) {
        self.init(
            malformed: p.malformed, authentication: p.authentication, replay: p.replay, wrongSource: p.wrongSource, probation: p.probation,
            wrongSSRC: p.wrongSsrc, payloadType: p.payloadType)
    }
}

extension EndpointStatistics {
    var proto: Consort_Mcu_V1_EndpointStatistics {
        .with {
            $0.endpoint = endpoint.value
            $0.label = label
            $0.codec = codec
            $0.muted = muted
            if let selfMuted { $0.selfMuted = selfMuted }
            $0.mode = mode.proto
            if let announcement { $0.announcement = announcement }
            $0.speaking = speaking
            $0.packetsReceived = packetsReceived
            $0.bytesReceived = bytesReceived
            $0.packetsSent = packetsSent
            $0.bytesSent = bytesSent
            $0.packetsLost = packetsLost
            $0.packetsDropped = packetsDropped
            $0.jitterMilliseconds = jitterMilliseconds
            $0.jitterBufferDelayMilliseconds = Int64(jitterBufferDelayMilliseconds)
            $0.concealedFrames = concealedFrames
            $0.srtpFailures = srtpFailures
            if let roundTripMilliseconds { $0.roundTripMilliseconds = roundTripMilliseconds }
            $0.rtcpReceived = rtcpReceived
            $0.rtcpSent = rtcpSent
            $0.videoPacketsReceived = videoPacketsReceived
            $0.videoPacketsForwarded = videoPacketsForwarded
            $0.keyFrameRequests = keyFrameRequests
            if let drops { $0.drops = drops.proto }
        }
    }

    init(_ p: Consort_Mcu_V1_EndpointStatistics) {
        self.init(
            endpoint: EndpointID(p.endpoint), label: p.label, codec: p.codec, muted: p.muted, speaking: p.speaking,
            packetsReceived: p.packetsReceived, bytesReceived: p.bytesReceived, packetsSent: p.packetsSent, bytesSent: p.bytesSent,
            packetsLost: p.packetsLost, packetsDropped: p.packetsDropped, jitterMilliseconds: p.jitterMilliseconds,
            jitterBufferDelayMilliseconds: Int(clamping: p.jitterBufferDelayMilliseconds), concealedFrames: p.concealedFrames,
            srtpFailures: p.srtpFailures, roundTripMilliseconds: p.hasRoundTripMilliseconds ? p.roundTripMilliseconds : nil,
            rtcpReceived: p.rtcpReceived, rtcpSent: p.rtcpSent, videoPacketsReceived: p.videoPacketsReceived,
            videoPacketsForwarded: p.videoPacketsForwarded, keyFrameRequests: p.keyFrameRequests, mode: EndpointMode(p.mode),
            announcement: p.hasAnnouncement ? p.announcement : nil, drops: p.hasDrops ? MediaDropStatistics(p.drops) : nil)
        selfMuted = p.hasSelfMuted ? p.selfMuted : nil
    }
}

extension ConferenceStatistics {
    var proto: Consort_Mcu_V1_ConferenceStatistics {
        .with {
            $0.conference = conference.proto
            $0.ticks = ticks
            $0.lateTicks = lateTicks
            $0.speakers = speakers.map(\.value)
            $0.endpoints = endpoints.map(\.proto)
            if let drops { $0.drops = drops.proto }
            if let tickMicrosecondsPerSecond { $0.tickMicrosecondsPerSecond = tickMicrosecondsPerSecond }
        }
    }

    init(_ p: Consort_Mcu_V1_ConferenceStatistics) {
        self.init(
            conference: ConferenceID(p.conference), ticks: p.ticks, lateTicks: p.lateTicks, speakers: p.speakers.map(EndpointID.init),
            endpoints: p.endpoints.map(EndpointStatistics.init), drops: p.hasDrops ? MediaDropStatistics(p.drops) : nil,
            tickMicrosecondsPerSecond: p.hasTickMicrosecondsPerSecond ? p.tickMicrosecondsPerSecond : nil)
    }
}

extension MCULoadReport {
    var proto: Consort_Mcu_V1_LoadReport {
        .with {
            $0.conferences = Int64(conferences)
            $0.endpoints = Int64(endpoints)
            $0.freePorts = Int64(freePorts)
            $0.lateTicks = lateTicks
            if let loops { $0.loops = Int64(loops) }
            if let tickMicrosecondsPerSecond { $0.tickMicrosecondsPerSecond = tickMicrosecondsPerSecond }
            $0.draining = draining ?? false
        }
    }

    init(_ p: Consort_Mcu_V1_LoadReport) {
        self.init(
            conferences: Int(clamping: p.conferences), endpoints: Int(clamping: p.endpoints), freePorts: Int(clamping: p.freePorts),
            lateTicks: p.lateTicks, loops: p.hasLoops ? Int(clamping: p.loops) : nil,
            tickMicrosecondsPerSecond: p.hasTickMicrosecondsPerSecond ? p.tickMicrosecondsPerSecond : nil, draining: p.draining)
    }
}

extension MCUEvent {
    var proto: Consort_Mcu_V1_MCUEvent {
        .with {
            switch self {
            case .dtmf(let c, let e, let digit):
                $0.conference = c.proto
                $0.endpoint = e.value
                $0.dtmfDigit = digit
            case .announcementFinished(let c, let e, let prompt):
                $0.conference = c.proto
                $0.endpoint = e.value
                $0.announcementFinished = prompt
            case .mediaTimeout(let c, let e, let seconds):
                $0.conference = c.proto
                $0.endpoint = e.value
                $0.mediaTimeoutSeconds = Int32(clamping: seconds)
            case .selfMute(let c, let e, let muted):
                $0.conference = c.proto
                $0.endpoint = e.value
                $0.selfMuted = muted
            case .conferenceMoved(let c):
                // A pool's own event: it never travels between an MCU and the focus (no kind; a receiver skips it).
                $0.conference = c.proto
            }
        }
    }

    /// Nil for an event kind this side does not know (a newer MCU): it is skipped, not misread.
    init?(_ p: Consort_Mcu_V1_MCUEvent) {
        let c = ConferenceID(p.conference), e = EndpointID(p.endpoint)
        switch p.kind {
        case .dtmfDigit(let digit): self = .dtmf(c, e, digit: digit)
        case .announcementFinished(let prompt): self = .announcementFinished(c, e, prompt: prompt)
        case .mediaTimeoutSeconds(let seconds): self = .mediaTimeout(c, e, seconds: Int(seconds))
        case .selfMuted(let muted): self = .selfMute(c, e, muted: muted)
        case nil: return nil
        }
    }
}

extension MCUControlError {
    /// The gRPC status a control error travels as; the reason is the status message.
    var rpcCode: RPCError.Code {
        switch code {
        case .notAcceptable: .invalidArgument
        case .capacity: .resourceExhausted
        case .notFound: .notFound
        case .failed: .internalError
        }
    }

    /// A gRPC failure as the focus sees it: the MCU's own refusal keeps its code and reason; an MCU that cannot be
    /// reached or answered too late is `.failed` naming the instance (the focus answers 503 and the pool takes over).
    init(_ error: any Error, instance: String) {
        guard let rpc = error as? RPCError else {
            self.init(.failed, "MCU \(instance): \(error)")
            return
        }
        switch rpc.code {
        case .invalidArgument: self.init(.notAcceptable, rpc.message)
        case .resourceExhausted: self.init(.capacity, rpc.message)
        case .notFound: self.init(.notFound, rpc.message)
        case .unavailable: self.init(.capacity, "MCU \(instance) is unreachable: \(rpc.message)")
        case .deadlineExceeded: self.init(.failed, "MCU \(instance) did not answer in time")
        default: self.init(.failed, "MCU \(instance): \(rpc.message) (\(rpc.code))")
        }
    }
}
