public import AudioMixer
public import Logging
public import MCUControl
import NIOCore
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
    private let ports: PortAllocator
    private let conferences = Mutex<[ConferenceID: MediaConference]>([:])

    /// Creates the MCU and its event loops; throws when the configuration cannot work.
    public init(configuration: MCUConfiguration, mixer: MixerConfiguration, opus: OpusEncoderSettings, logger: Logger) throws(MediaError) {
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
        ports = PortAllocator(range: range)
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
        let conference = MediaConference(id: id, eventLoop: group.next(), mixer: mixer, logger: logger)
        let inserted = conferences.withLock { table -> Bool in
            guard table[id] == nil else { return false }
            table[id] = conference
            return true
        }
        guard inserted else { return }
        _ = try? await conference.eventLoop.submit { conference.start() }.get()
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
            for endpoint in conference.endpoints { conference.remove(endpoint) }
            return ports
        }.get()) ?? []
        for port in released { ports.release(port) }
    }

    public func addEndpoint(_ request: AddEndpointRequest) async throws(MCUControlError) -> AddEndpointResponse {
        guard let conference = conferences.withLock({ $0[request.conference] }) else {
            throw MCUControlError(.notFound, "no conference \(request.conference)")
        }
        let offer: SessionDescription
        do {
            offer = try SessionDescription(parsing: request.offer)
        } catch {
            throw MCUControlError(.notAcceptable, error.reason)
        }
        // Sockets are bound while the answer is built, so the answer carries ports that are really ours.
        var sockets: [Int: (UDPSocket, UDPSocket)] = [:]
        let bindAddress = configuration.bindAddress
        let policy = SDPAnswerPolicy(
            address: request.advertisedAddress, allowVideo: request.policy.allowVideo, allowPlainRTP: request.policy.allowPlainRTP,
            opus: SDPOpusPolicy(maxAverageBitrate: opus.bitrate, useInbandFEC: opus.inbandFEC, useDTX: opus.dtx),
            sessionID: UInt64.random(in: 1...UInt64(Int64.max)))
        let answer: SDPAnswer
        do {
            answer = try SDPOfferAnswer.answer(
                offer: offer, policy: policy,
                localMedia: { index, type in
                    // One audio and one video stream per endpoint.
                    guard type == "audio" || type == "video" else { return nil }
                    let taken = sockets.keys.compactMap { offer.media.indices.contains($0) ? offer.media[$0].type : nil }
                    guard !taken.contains(type) else { return nil }
                    var pair: (UDPSocket, UDPSocket)?
                    let port = self.ports.allocate { port in
                        guard let rtp = try? UDPSocket(address: bindAddress, port: port),
                            let rtcp = try? UDPSocket(address: bindAddress, port: port + 1)
                        else { return false }
                        pair = (rtp, rtcp)
                        return true
                    }
                    guard let port, let pair else { return nil }
                    sockets[index] = pair
                    return SDPLocalMedia(port: port)
                },
                // A fresh key per m-line; each stream's sessions are later made from the key its own answer line carries.
                makeKey: { suite in
                    SRTPProfile(rawValue: suite).flatMap { try? SRTPKeyMaterial.random(profile: $0).inlineKeyParameter }
                })
        } catch {
            for (_, pair) in sockets { ports.release(pair.0.port) }
            throw MCUControlError(.notAcceptable, error.reason)
        }
        guard let audio = answer.media.first(where: { $0.type == "audio" && $0.accepted }),
            let (rtpSocket, rtcpSocket) = sockets[audio.index], let codec = audio.codec, let pt = audio.payloadType
        else {
            for (_, pair) in sockets { ports.release(pair.0.port) }
            if ports.free == 0 { throw MCUControlError(.capacity, "no RTP ports left in \(configuration.rtpPorts)") }
            throw MCUControlError(.notAcceptable, answer.media.first?.rejectionReason ?? "no audio stream could be accepted")
        }
        let format: AudioFormat
        switch codec.lowercased() {
        case "opus": format = .opus(opus)
        case "pcmu": format = .pcmu
        case "pcma": format = .pcma
        default:
            for (_, pair) in sockets { ports.release(pair.0.port) }
            throw MCUControlError(.notAcceptable, "codec \(codec) is not mixed")
        }
        let sessions: (inbound: SRTPSession?, outbound: SRTPSession?)
        do {
            sessions = try audio.srtpSessions()
        } catch {
            for (_, pair) in sockets { ports.release(pair.0.port) }
            throw error
        }
        let (remote, remoteRTCP) = audio.remoteAddresses
        let levelID = audio.extensionMaps.first { $0.uri == "urn:ietf:params:rtp-hdrext:ssrc-audio-level" }.map { UInt8(clamping: $0.id) }
        let configuration = self.configuration
        let muted = request.policy.muted
        let direction = audio.direction
        let finalInbound = sessions.inbound
        let finalOutbound = sessions.outbound
        let videoStream: VideoStream?
        do {
            videoStream = try makeVideo(answer: answer, sockets: sockets)
        } catch {
            for (_, pair) in sockets { ports.release(pair.0.port) }
            throw error
        }
        // A video socket pair that carries no forwarded video goes back.
        for (index, pair) in sockets where index != audio.index && videoStream?.rtp !== pair.0 { ports.release(pair.0.port) }
        let created: EndpointMedia? = try? await conference.eventLoop.submit { () -> EndpointMedia? in
            guard let participant = try? conference.mixer.addParticipant(format: format) else { return nil }
            participant.isMuted = muted
            let endpoint = MediaEndpoint(
                id: request.endpoint, label: request.label, codecName: codec, participant: participant, rtp: rtpSocket,
                rtcp: audio.rtcpMux ? nil : rtcpSocket, payloadType: UInt8(clamping: pt),
                telephoneEventPayloadType: audio.telephoneEventPayloadType.map { UInt8(clamping: $0) },
                audioLevelExtensionID: levelID, inbound: finalInbound, outbound: finalOutbound, remote: remote,
                remoteRTCP: remoteRTCP, allowPlainAddressChange: configuration.allowPlainRTPAddressChange,
                selfMuteSequence: configuration.selfMuteDTMF)
            Self.apply(direction, to: endpoint)
            endpoint.video = videoStream
            conference.add(endpoint)
            return EndpointMedia(
                type: "audio", accepted: true, localPort: rtpSocket.port, codec: codec, payloadType: pt, clockRate: audio.clockRate,
                cryptoSuite: audio.cryptoSuite, localSSRC: endpoint.localSSRC)
        }.get()
        guard let created else {
            for (_, pair) in sockets { ports.release(pair.0.port) }
            throw MCUControlError(.failed, "could not add the endpoint to the mixer")
        }
        logger.info(
            "endpoint added",
            metadata: [
                "conference": "\(request.conference)", "endpoint": "\(request.endpoint)", "codec": "\(codec)",
                "srtp": "\(audio.cryptoSuite ?? "off")", "port": "\(rtpSocket.port)",
            ])
        let media = answer.media.map { m -> EndpointMedia in
            if m.index == audio.index { return created }
            if let stream = videoStream, m.type == "video", m.accepted {
                return EndpointMedia(
                    type: "video", accepted: true, localPort: stream.rtp.port, codec: m.codec, payloadType: m.payloadType,
                    clockRate: m.clockRate, cryptoSuite: m.cryptoSuite, localSSRC: stream.localSSRC)
            }
            return EndpointMedia(type: m.type, accepted: false, localPort: 0, rejectionReason: m.rejectionReason ?? (m.accepted ? "codec not forwarded" : nil))
        }
        return AddEndpointResponse(answer: answer.description.serialized, media: media)
    }

    /// The forwarded video of an endpoint, when its video m-line was accepted with VP8 or H.264.
    private func makeVideo(answer: SDPAnswer, sockets: [Int: (UDPSocket, UDPSocket)]) throws(MCUControlError)
        -> VideoStream?
    {
        guard let video = answer.media.first(where: { $0.type == "video" && $0.accepted }),
            let (rtp, rtcp) = sockets[video.index], let pt = video.payloadType
        else { return nil }
        let codec: VideoCodec
        switch video.codec?.uppercased() {
        case "VP8": codec = .vp8
        case "H264": codec = .h264
        default: return nil
        }
        let (inbound, outbound) = try video.srtpSessions()
        let (remote, remoteRTCP) = video.remoteAddresses
        let pli = video.rtcpFeedback.contains { $0.type == "nack" && $0.parameter == "pli" }
        let fir = video.rtcpFeedback.contains { $0.type == "ccm" && $0.parameter == "fir" }
        return VideoStream(
            rtp: rtp, rtcp: video.rtcpMux ? nil : rtcp, payloadType: UInt8(clamping: pt), codec: codec, inbound: inbound,
            outbound: outbound, sends: video.direction == .sendrecv || video.direction == .recvonly,
            receives: video.direction == .sendrecv || video.direction == .sendonly, prefersFIR: fir && !pli, remote: remote,
            remoteRTCP: remoteRTCP)
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
        let found: Bool = (try? await conference.eventLoop.submit { () -> Bool in
            guard let endpoint = conference.endpoints.first(where: { $0.id == request.endpoint }) else { return false }
            if let muted = request.muted { endpoint.participant.isMuted = muted }
            if let pin = request.pinVideo { conference.pinVideo(pin ? endpoint.id : nil) }
            return true
        }.get()) ?? false
        guard found else { throw MCUControlError(.notFound, "no endpoint \(request.endpoint) in \(request.conference)") }
        guard let offerText = request.offer else { return nil }
        return try await reanswer(conference, request: request, offerText: offerText)
    }

    /// A re-INVITE's offer: same ports and keys, new direction and remote address (hold, resume, address change).
    private func reanswer(_ conference: MediaConference, request: ModifyEndpointRequest, offerText: String) async throws(MCUControlError)
        -> AddEndpointResponse
    {
        let offer: SessionDescription
        do {
            offer = try SessionDescription(parsing: offerText)
        } catch {
            throw MCUControlError(.notAcceptable, error.reason)
        }
        let state = try? await conference.eventLoop.submit { () -> (Int, String?)? in
            guard let e = conference.endpoints.first(where: { $0.id == request.endpoint }) else { return nil }
            return (e.rtp.port, nil)
        }.get()
        guard let (port, _) = state ?? nil else { throw MCUControlError(.notFound, "no endpoint \(request.endpoint)") }
        let policy = SDPAnswerPolicy(
            address: request.advertisedAddress ?? "127.0.0.1", allowVideo: false,
            opus: SDPOpusPolicy(maxAverageBitrate: opus.bitrate, useInbandFEC: opus.inbandFEC, useDTX: opus.dtx),
            sessionID: UInt64.random(in: 1...UInt64(Int64.max)))
        let answer: SDPAnswer
        do {
            answer = try SDPOfferAnswer.answer(
                offer: offer, policy: policy, localMedia: { _, type in type == "audio" ? SDPLocalMedia(port: port) : nil },
                makeKey: { suite in SRTPProfile(rawValue: suite).flatMap { try? SRTPKeyMaterial.random(profile: $0).inlineKeyParameter } })
        } catch {
            throw MCUControlError(.notAcceptable, error.reason)
        }
        guard let audio = answer.media.first(where: { $0.type == "audio" && $0.accepted }) else {
            throw MCUControlError(.notAcceptable, "no audio stream in the new offer")
        }
        let remote = audio.remoteAddresses.rtp
        _ = try? await conference.eventLoop.submit {
            guard let e = conference.endpoints.first(where: { $0.id == request.endpoint }) else { return }
            Self.apply(audio.direction, to: e)
            if !e.latched, let remote { e.remote = remote }
        }.get()
        return AddEndpointResponse(
            answer: answer.description.serialized,
            media: [EndpointMedia(type: "audio", accepted: true, localPort: port, codec: audio.codec, payloadType: audio.payloadType)])
    }

    public func removeEndpoint(_ conferenceID: ConferenceID, _ endpointID: EndpointID) async {
        guard let conference = conferences.withLock({ $0[conferenceID] }) else { return }
        let released: [Int]? = try? await conference.eventLoop.submit { () -> [Int]? in
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
        for c in all {
            if let s = try? await c.eventLoop.submit({ (c.endpoints.count, c.lateTicks) }).get() {
                endpoints += s.0
                late &+= s.1
            }
        }
        return MCULoadReport(conferences: all.count, endpoints: endpoints, freePorts: ports.free, lateTicks: late)
    }
}
