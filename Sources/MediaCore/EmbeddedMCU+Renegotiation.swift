import MCUControl
import NIOCore
import SDP
import SRTP

/// The SDES keys a stream uses now: ours (sent in our description) and the peer's.
struct StreamKeys: Sendable, Equatable {
    var suite: String
    var local: String
    var remote: String
}

/// What offer/answer agreed with one endpoint over its whole call (RFC 3264 §8): our o= line, the description we last
/// sent, the keys in use per stream, and an offer of ours waiting for the peer's answer. Kept beside the endpoint on its
/// conference's loop; only control calls read and change it.
struct EndpointNegotiation: Sendable {
    var sessionID: UInt64
    /// The version of the description we last sent; every new one is this + 1.
    var version: UInt64
    /// Our c= address.
    var address: String
    var policy: EndpointPolicy
    /// The description we last sent (an answer, or our offer).
    var local: SessionDescription
    /// Keys in use by stream type ("audio", "video").
    var keys: [String: StreamKeys] = [:]
    /// Our re-offer (a re-INVITE the focus sends), until the peer's answer comes back.
    var pendingOffer: SessionDescription?

    init(local: SessionDescription, negotiated: [SDPNegotiatedMedia], address: String, policy: EndpointPolicy) {
        sessionID = local.origin.sessionID
        version = local.origin.sessionVersion
        self.local = local
        self.address = address
        self.policy = policy
        keys = Self.keys(of: negotiated)
    }

    static func keys(of negotiated: [SDPNegotiatedMedia]) -> [String: StreamKeys] {
        var keys: [String: StreamKeys] = [:]
        for m in negotiated where m.accepted && keys[m.type] == nil {
            if let suite = m.cryptoSuite, let local = m.localKeyParameters, let remote = m.remoteKeyParameters {
                keys[m.type] = StreamKeys(suite: suite, local: local, remote: remote)
            }
        }
        return keys
    }
}

/// An endpoint's media state as a control call needs it, copied off the loop.
private struct EndpointSnapshot: Sendable {
    var negotiation: EndpointNegotiation
    var audioPort: Int
    var videoPort: Int?
    var codec: String
    var mode: EndpointMode
    var hasVideo: Bool

    init(_ e: MediaEndpoint, negotiation: EndpointNegotiation) {
        self.negotiation = negotiation
        audioPort = e.rtp.port
        videoPort = e.video?.rtp.port
        codec = e.codecName
        mode = e.mode
        hasVideo = e.video != nil
    }
}

extension EmbeddedMCU {
    /// Our direction for a stream, as the endpoint's mode allows: in the lobby we only send (prompts).
    static func direction(_ direction: SDPDirection, in mode: EndpointMode) -> SDPDirection {
        guard mode == .lobby else { return direction }
        switch direction {
        case .sendrecv, .sendonly: return .sendonly
        case .recvonly, .inactive: return .inactive
        }
    }

    /// Writes the mode's direction into an answer (description and negotiated media alike).
    static func applyMode(_ mode: EndpointMode, to answer: inout SDPAnswer) {
        guard mode == .lobby else { return }
        for i in answer.media.indices where answer.media[i].accepted {
            let capped = direction(answer.media[i].direction, in: mode)
            answer.media[i].direction = capped
            let index = answer.media[i].index
            if answer.description.media.indices.contains(index) { answer.description.media[index].direction = capped }
        }
    }

    private func snapshot(_ id: EndpointID, in conference: MediaConference) async -> EndpointSnapshot? {
        let found: EndpointSnapshot?? = try? await conference.eventLoop.submit { () -> EndpointSnapshot? in
            guard let e = conference.endpoints.first(where: { $0.id == id }), let negotiation = e.negotiation else { return nil }
            return EndpointSnapshot(e, negotiation: negotiation)
        }.get()
        return found ?? nil
    }

    /// A re-INVITE's or UPDATE's offer (RFC 3264 §8, RFC 4568 §7.1.4): answered with the same o= session and the version
    /// + 1, the same ports and codec, our same key unless the peer changed its own (then new keys both ways, the old
    /// inbound key still accepted a while), video kept or added, the direction and a new remote address applied.
    func reanswer(_ conference: MediaConference, request: ModifyEndpointRequest, offerText: String) async throws(MCUControlError)
        -> AddEndpointResponse
    {
        var offer: SessionDescription
        do {
            offer = try SessionDescription(parsing: offerText)
        } catch {
            throw MCUControlError(.notAcceptable, error.reason)
        }
        guard let state = await snapshot(request.endpoint, in: conference) else {
            throw MCUControlError(.notFound, "no endpoint \(request.endpoint) with media in \(request.conference)")
        }
        try Self.keepCodec(state.codec, in: &offer)
        var negotiation = state.negotiation
        let address = request.advertisedAddress ?? negotiation.address
        let policy = SDPAnswerPolicy(
            address: address, allowVideo: negotiation.policy.allowVideo, allowPlainRTP: negotiation.policy.allowPlainRTP,
            opus: opusPolicy, sessionID: negotiation.sessionID, sessionVersion: negotiation.version &+ 1)
        // A video stream added by this offer gets ports of its own.
        var newVideo: (Int, (any DatagramPort, any DatagramPort))?
        var answer: SDPAnswer
        do {
            var taken: Set<String> = []
            answer = try SDPOfferAnswer.answer(
                offer: offer, policy: policy,
                localMedia: { _, type in
                    guard !taken.contains(type) else { return nil }
                    switch type {
                    case "audio":
                        taken.insert(type)
                        return SDPLocalMedia(port: state.audioPort)
                    case "video":
                        if let port = state.videoPort {
                            taken.insert(type)
                            return SDPLocalMedia(port: port)
                        }
                        guard let pair = try? self.bindPortPair(tenant: request.conference.tenant) else { return nil }
                        taken.insert(type)
                        newVideo = pair
                        return SDPLocalMedia(port: pair.0)
                    default:
                        return nil
                    }
                },
                makeKey: { suite in SRTPProfile(rawValue: suite).flatMap { try? SRTPKeyMaterial.random(profile: $0).inlineKeyParameter } })
        } catch {
            if let (port, _) = newVideo { ports.release(port) }
            throw MCUControlError(.notAcceptable, error.reason)
        }
        Self.keepKeys(negotiation.keys, in: &answer)
        Self.applyMode(state.mode, to: &answer)
        guard answer.media.contains(where: { $0.type == "audio" && $0.accepted }) else {
            if let (port, _) = newVideo { ports.release(port) }
            throw MCUControlError(.notAcceptable, "the new offer has no audio stream Consort can keep")
        }
        negotiation.version &+= 1
        negotiation.local = answer.description
        negotiation.address = address
        negotiation.pendingOffer = nil
        let media = try await apply(
            answer.media, negotiation: negotiation, newVideo: newVideo, to: request.endpoint, in: conference,
            signallingSource: request.signallingSource)
        return AddEndpointResponse(answer: answer.description.serialized, media: media)
    }

    /// An offer of ours for a re-INVITE the focus sends: our last description with the version + 1 and each accepted
    /// stream's direction from the endpoint's mode (sendonly in the lobby, sendrecv otherwise). Same ports, same keys.
    func reoffer(_ conference: MediaConference, endpoint: EndpointID) async throws(MCUControlError) -> AddEndpointResponse {
        let made: Result<(SessionDescription, EndpointSnapshot), MCUControlError>? = try? await conference.eventLoop.submit {
            () -> Result<(SessionDescription, EndpointSnapshot), MCUControlError> in
            guard let e = conference.endpoints.first(where: { $0.id == endpoint }), var negotiation = e.negotiation else {
                return .failure(MCUControlError(.notFound, "no endpoint \(endpoint) with media in \(conference.id)"))
            }
            var offer = negotiation.local
            negotiation.version &+= 1
            offer.origin.sessionVersion = negotiation.version
            offer.attributes.removeAll { SDPDirection(rawValue: $0.name) != nil && $0.value == nil }
            for i in offer.media.indices where offer.media[i].port != 0 {
                offer.media[i].direction = Self.direction(.sendrecv, in: e.mode)
            }
            negotiation.local = offer
            negotiation.pendingOffer = offer
            e.negotiation = negotiation
            return .success((
                offer,
                EndpointSnapshot(e, negotiation: negotiation)
            ))
        }.get()
        guard let made else { throw MCUControlError(.failed, "conference \(conference.id) is shutting down") }
        let (offer, state) = try made.get()
        var media = [EndpointMedia(type: "audio", accepted: true, localPort: state.audioPort, codec: state.codec)]
        if let port = state.videoPort { media.append(EndpointMedia(type: "video", accepted: true, localPort: port)) }
        return AddEndpointResponse(answer: offer.serialized, media: media)
    }

    /// The peer's answer to our re-offer: its direction, keys and address applied like a re-INVITE's.
    func applyReofferAnswer(_ answerText: String, for endpoint: EndpointID, in conference: MediaConference, signallingSource: String?)
        async throws(MCUControlError) -> AddEndpointResponse
    {
        let answer: SessionDescription
        do {
            answer = try SessionDescription(parsing: answerText)
        } catch {
            throw MCUControlError(.notAcceptable, error.reason)
        }
        guard let state = await snapshot(endpoint, in: conference), let offer = state.negotiation.pendingOffer else {
            throw MCUControlError(.notAcceptable, "endpoint \(endpoint) is not waiting for an answer to an MCU offer")
        }
        let negotiated: [SDPNegotiatedMedia]
        do {
            negotiated = try SDPOfferAnswer.negotiate(localOffer: offer, remoteAnswer: answer)
        } catch {
            throw MCUControlError(.notAcceptable, error.reason)
        }
        var negotiation = state.negotiation
        negotiation.pendingOffer = nil
        let media = try await apply(
            negotiated, negotiation: negotiation, newVideo: nil, to: endpoint, in: conference, signallingSource: signallingSource)
        return AddEndpointResponse(answer: offer.serialized, media: media)
    }

    /// Restricts the offer's audio formats to the codec the call uses (and telephone-event), so the answer keeps it;
    /// an offer without it is refused (488): the mixer does not switch codecs mid-call.
    static func keepCodec(_ codec: String, in offer: inout SessionDescription) throws(MCUControlError) {
        guard let index = offer.media.firstIndex(where: { $0.type == "audio" && $0.port != 0 }) else { return }
        let section = offer.media[index]
        let keep = section.payloadTypes.filter { pt in
            guard let map = section.rtpMap(pt) else { return false }
            let name = map.encodingName.lowercased()
            return name == codec.lowercased() || name == "telephone-event"
        }
        guard keep.contains(where: { section.rtpMap($0)?.encodingName.lowercased() == codec.lowercased() }) else {
            throw MCUControlError(
                .notAcceptable, "the new offer has no \(codec): the call's audio codec cannot change mid-call (offer \(codec) again)")
        }
        offer.media[index].formats = keep.map(String.init)
    }

    /// RFC 4568 §7.1.4: where the peer kept its key, we keep ours — the answer carries our current key and nothing is
    /// re-keyed; where it changed its key (or suite), the answer's fresh key stands.
    static func keepKeys(_ keys: [String: StreamKeys], in answer: inout SDPAnswer) {
        for i in answer.media.indices where answer.media[i].accepted {
            let m = answer.media[i]
            guard let current = keys[m.type], current.suite == m.cryptoSuite, current.remote == m.remoteKeyParameters,
                answer.description.media.indices.contains(m.index)
            else { continue }
            answer.media[i].localKeyParameters = current.local
            var section = answer.description.media[m.index]
            section.attributes = section.attributes.map { attribute in
                guard attribute.name == "crypto", let crypto = try? SDPCrypto(parsing: attribute.value ?? ""), crypto.suite == current.suite
                else { return attribute }
                return SDPAttribute(
                    name: "crypto", value: SDPCrypto(tag: crypto.tag, suite: crypto.suite, keyParameters: current.local).attributeValue)
            }
            answer.description.media[m.index] = section
        }
    }

    /// Applies what a renegotiation agreed to a running endpoint, on its loop: audio and video direction, payload
    /// types, keys (only when they changed), a new remote address (learning starts again), video kept, stopped or
    /// added. Returns the media as the focus sees it.
    private func apply(
        _ negotiated: [SDPNegotiatedMedia], negotiation: EndpointNegotiation, newVideo: (Int, (any DatagramPort, any DatagramPort))?,
        to id: EndpointID, in conference: MediaConference, signallingSource: String?
    ) async throws(MCUControlError) -> [EndpointMedia] {
        func releaseNewVideo() { if let (port, _) = newVideo { ports.release(port) } }
        guard let audio = negotiated.first(where: { $0.type == "audio" && $0.accepted }), let pt = audio.payloadType else {
            releaseNewVideo()
            throw MCUControlError(.notAcceptable, "no audio stream in the renegotiation")
        }
        let old = negotiation.keys
        let fresh = EndpointNegotiation.keys(of: negotiated)
        // Sessions are made here, off the loop, and only for streams whose keys changed.
        var audioSessions: (inbound: SRTPSession?, outbound: SRTPSession?)?
        let videoNegotiated = negotiated.first { $0.type == "video" && $0.accepted }
        var videoSessions: (inbound: SRTPSession?, outbound: SRTPSession?)?
        var addedVideo: VideoStream?
        do {
            if fresh["audio"] != old["audio"] { audioSessions = try audio.srtpSessions() }
            if let video = videoNegotiated, fresh["video"] != old["video"] { videoSessions = try video.srtpSessions() }
            if let (_, pair) = newVideo, videoNegotiated != nil {
                var sockets: [Int: (any DatagramPort, any DatagramPort)] = [:]
                if let video = videoNegotiated { sockets[video.index] = pair }
                addedVideo = try makeVideo(negotiated, sockets: sockets, signallingIP: nil)
            }
        } catch {
            releaseNewVideo()
            throw error
        }
        if newVideo != nil, addedVideo == nil { releaseNewVideo() }
        var updated = negotiation
        updated.keys = fresh
        let signallingIP = signallingSource.flatMap { MediaAddress(host: $0, port: 0)?.ip }
        let direction = audio.direction
        let telephoneEvent = audio.telephoneEventPayloadType.map { UInt8(clamping: $0) }
        let maxPacketTime = audio.remoteMaxPacketTime
        let logger = self.logger
        let (remote, remoteRTCP) = audio.remoteAddresses
        let videoState = videoNegotiated.map { ($0.direction, $0.remoteAddresses, $0.payloadType) }
        let finalAudioSessions = audioSessions
        let finalVideoSessions = videoSessions
        let finalAddedVideo = addedVideo
        let result: [EndpointMedia]?? = try? await conference.eventLoop.submit { () -> [EndpointMedia]? in
            guard let e = conference.endpoints.first(where: { $0.id == id }) else { return nil }
            e.payloadType = UInt8(clamping: pt)
            e.telephoneEventPayloadType = telephoneEvent
            Self.apply(direction, to: e)
            // A new maxptime: sent at the new packet time from the next tick (RFC 4566 §6).
            do {
                if try conference.mixer.setMaxPacketTime(e.participant, maxPacketMilliseconds: maxPacketTime) {
                    logger.info(
                        "packet time changed",
                        metadata: ["conference": "\(conference.id)", "endpoint": "\(id)", "milliseconds": "\(e.participant.packetMilliseconds)"])
                }
            } catch {
                logger.warning(
                    "cannot change the packet time; the old one stays",
                    metadata: ["conference": "\(conference.id)", "endpoint": "\(id)", "error": "\(error)"])
            }
            if let sessions = finalAudioSessions { Self.rekey(e, with: sessions, from: old["audio"], to: fresh["audio"], tick: conference.ticks) }
            // A new address from signalling (not a c=0.0.0.0 hold) moves the stream: learning starts again.
            if let remote, remote.ip != 0, remote != e.sourceGuard.signalled { e.resignal(remote: remote, rtcp: remoteRTCP, signallingIP: signallingIP) }
            if let video = e.video {
                if let (videoDirection, addresses, videoPT) = videoState {
                    video.sends = videoDirection == .sendrecv || videoDirection == .recvonly
                    video.receives = videoDirection == .sendrecv || videoDirection == .sendonly
                    if let videoPT { video.payloadType = UInt8(clamping: videoPT) }
                    if let sessions = finalVideoSessions {
                        Self.rekey(video, with: sessions, from: old["video"], to: fresh["video"], tick: conference.ticks)
                    }
                    if let target = addresses.rtp, target.ip != 0, target != video.sourceGuard.signalled {
                        video.resignal(remote: target, rtcp: addresses.rtcp, signallingIP: signallingIP)
                    }
                } else {
                    // The offer turned video off (port 0): nothing is forwarded to or from it; its ports stay until it leaves.
                    video.sends = false
                    video.receives = false
                    conference.stopShowingVideo(of: e.key)
                    video.source = nil
                    video.pending = nil
                }
            } else if let added = finalAddedVideo {
                e.video = added
            }
            e.negotiation = updated
            return Self.media(negotiated, of: e)
        }.get()
        guard let found = result ?? nil else {
            if let added = finalAddedVideo { ports.release(added.rtp.port) }
            throw MCUControlError(.notFound, "no endpoint \(id) in \(conference.id)")
        }
        logger.info(
            "endpoint renegotiated",
            metadata: [
                "conference": "\(conference.id)", "endpoint": "\(id)", "direction": "\(direction.rawValue)",
                "rekeyed": "\(audioSessions != nil)", "video": "\(videoNegotiated?.direction.rawValue ?? "off")",
            ])
        return found
    }

    /// Installs what changed of a stream's SRTP keys: the peer's new key inbound (its old one still accepted a while,
    /// packets in flight), ours outbound once the peer has our answer (``PendingOutboundKey``). A side whose key did
    /// not change keeps its session, and with it its rollover counter and replay window.
    private static func rekey(
        _ stream: some OutboundKeyed, with sessions: (inbound: SRTPSession?, outbound: SRTPSession?), from old: StreamKeys?, to new: StreamKeys?,
        tick: UInt64
    ) {
        let suiteChanged = old?.suite != new?.suite
        if suiteChanged || old?.remote != new?.remote { stream.installInbound(sessions.inbound) }
        if suiteChanged || old?.local != new?.local { stream.installOutbound(sessions.outbound, tick: tick) }
    }

    /// The focus's view of an endpoint's streams after a negotiation.
    static func media(_ negotiated: [SDPNegotiatedMedia], of e: MediaEndpoint) -> [EndpointMedia] {
        negotiated.map { m -> EndpointMedia in
            guard m.accepted else {
                return EndpointMedia(type: m.type, accepted: false, localPort: 0, rejectionReason: m.rejectionReason)
            }
            if m.type == "audio" {
                return EndpointMedia(
                    type: "audio", accepted: true, localPort: e.rtp.port, codec: m.codec, payloadType: m.payloadType,
                    clockRate: m.clockRate, cryptoSuite: m.cryptoSuite, localSSRC: e.localSSRC, direction: m.direction.rawValue)
            }
            if m.type == "video", let video = e.video {
                return EndpointMedia(
                    type: "video", accepted: true, localPort: video.rtp.port, codec: m.codec, payloadType: m.payloadType,
                    clockRate: m.clockRate, cryptoSuite: m.cryptoSuite, localSSRC: video.localSSRC, direction: m.direction.rawValue)
            }
            return EndpointMedia(type: m.type, accepted: false, localPort: 0, rejectionReason: "codec not forwarded")
        }
    }
}
