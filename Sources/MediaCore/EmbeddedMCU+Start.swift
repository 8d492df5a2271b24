import AudioMixer
import MCUControl
import NIOCore
import OpusCodec
import RTPWire
import SDP
import SRTP

/// What the focus asked for an endpoint, kept until its media starts (at once for an answered offer, at the remote
/// answer for a dial-out).
struct EndpointSettings: Sendable {
    var endpoint: EndpointID
    var label: String
    var muted: Bool
    var mode: EndpointMode
    var policy: EndpointPolicy
    /// A prompt asked for before media started (dial-out), played from its first tick.
    var announcement: (audio: AnnouncementAudio, loops: Bool)?
    /// The IP address (network order) the SIP request came from, whose media is accepted after probation.
    var signallingIP: UInt32?
    /// What offer/answer agreed, kept for the call's renegotiations.
    var negotiation: EndpointNegotiation?

    init(_ request: AddEndpointRequest) {
        endpoint = request.endpoint
        label = request.label
        muted = request.policy.muted
        mode = request.mode
        policy = request.policy
        signallingIP = request.signallingSource.flatMap { MediaAddress(host: $0, port: 0)?.ip }
    }
}

extension EmbeddedMCU {
    /// Starts an endpoint's media from what offer/answer agreed — whether the MCU answered an offer or the remote side
    /// answered the MCU's — on the sockets bound for each m= line (keyed by its index). When it cannot, every one of
    /// those sockets' ports goes back.
    func start(
        _ negotiated: [SDPNegotiatedMedia], sockets: [Int: (any DatagramPort, any DatagramPort)], in conference: MediaConference,
        settings: EndpointSettings, portRefusal: MCUControlError? = nil
    ) async throws(MCUControlError) -> [EndpointMedia] {
        func releaseAll() { for (_, pair) in sockets { ports.release(pair.0.port) } }
        guard let audio = negotiated.first(where: { $0.type == "audio" && $0.accepted }),
            let (rtpSocket, rtcpSocket) = sockets[audio.index], let codec = audio.codec, let pt = audio.payloadType
        else {
            releaseAll()
            if let portRefusal { throw portRefusal }
            throw MCUControlError(.notAcceptable, negotiated.first?.rejectionReason ?? "no audio stream could be accepted")
        }
        let format: AudioFormat
        switch codec.lowercased() {
        case "opus": format = .opus(opus)
        case "pcmu": format = .pcmu
        case "pcma": format = .pcma
        default:
            releaseAll()
            throw MCUControlError(.notAcceptable, "codec \(codec) is not mixed")
        }
        let sessions: (inbound: SRTPSession?, outbound: SRTPSession?)
        let videoStream: VideoStream?
        do {
            sessions = try audio.srtpSessions()
            videoStream = try makeVideo(negotiated, sockets: sockets, signallingIP: settings.signallingIP)
        } catch {
            releaseAll()
            throw error
        }
        let (remote, remoteRTCP) = audio.remoteAddresses
        let levelID = audio.extensionMaps.first { $0.uri == SDPExtensionMap.audioLevelURI }.map { UInt8(clamping: $0.id) }
        let configuration = self.configuration
        let direction = audio.direction
        let finalInbound = sessions.inbound
        let finalOutbound = sessions.outbound
        // A video socket pair that carries no forwarded video goes back.
        for (index, pair) in sockets where index != audio.index && videoStream?.rtp !== pair.0 { ports.release(pair.0.port) }
        let logger = self.logger
        let created: EndpointMedia? = try? await conference.eventLoop.submit { () -> EndpointMedia? in
            guard let participant = try? conference.mixer.addParticipant(format: format, maxPacketMilliseconds: audio.remoteMaxPacketTime)
            else { return nil }
            participant.isMuted = settings.muted
            let endpoint = MediaEndpoint(
                id: settings.endpoint, label: settings.label, codecName: codec, participant: participant, rtp: rtpSocket,
                rtcp: audio.rtcpMux ? nil : rtcpSocket, payloadType: UInt8(clamping: pt),
                telephoneEventPayloadType: audio.telephoneEventPayloadType.map { UInt8(clamping: $0) },
                audioLevelExtensionID: levelID, inbound: finalInbound, outbound: finalOutbound,
                source: MediaSourceGuard(
                    signalled: remote, signalledRTCP: remoteRTCP, signallingIP: settings.signallingIP,
                    probationPackets: configuration.probationPackets),
                unverifiedSendTicks: UInt64(configuration.unverifiedSendSeconds) * 50, selfMuteSequence: configuration.selfMuteDTMF)
            Self.apply(direction, to: endpoint)
            endpoint.video = videoStream
            endpoint.mode = settings.mode
            endpoint.negotiation = settings.negotiation
            if let (audio, loops) = settings.announcement {
                do {
                    try participant.play(Announcement(audio: audio, loops: loops))
                } catch {
                    logger.warning("cannot start the announcement", metadata: ["endpoint": "\(settings.endpoint)", "error": "\(error)"])
                }
            }
            conference.add(endpoint)
            return EndpointMedia(
                type: "audio", accepted: true, localPort: rtpSocket.port, codec: codec, payloadType: pt, clockRate: audio.clockRate,
                cryptoSuite: audio.cryptoSuite, localSSRC: endpoint.localSSRC, direction: direction.rawValue)
        }.get()
        guard let created else {
            releaseAll()
            throw MCUControlError(.failed, "could not add the endpoint to the mixer")
        }
        logger.info(
            "endpoint added",
            metadata: [
                "conference": "\(conference.id)", "endpoint": "\(settings.endpoint)", "codec": "\(codec)",
                "srtp": "\(audio.cryptoSuite ?? "off")", "port": "\(rtpSocket.port)", "mode": "\(settings.mode.rawValue)",
            ])
        return negotiated.map { m -> EndpointMedia in
            if m.index == audio.index { return created }
            if let stream = videoStream, m.type == "video", m.accepted {
                return EndpointMedia(
                    type: "video", accepted: true, localPort: stream.rtp.port, codec: m.codec, payloadType: m.payloadType,
                    clockRate: m.clockRate, cryptoSuite: m.cryptoSuite, localSSRC: stream.localSSRC, direction: m.direction.rawValue)
            }
            return EndpointMedia(type: m.type, accepted: false, localPort: 0, rejectionReason: m.rejectionReason ?? (m.accepted ? "codec not forwarded" : nil))
        }
    }

    /// The forwarded video of an endpoint, when its video m-line was accepted with VP8 or H.264.
    func makeVideo(_ negotiated: [SDPNegotiatedMedia], sockets: [Int: (any DatagramPort, any DatagramPort)], signallingIP: UInt32?)
        throws(MCUControlError) -> VideoStream?
    {
        guard let video = negotiated.first(where: { $0.type == "video" && $0.accepted }),
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
            receives: video.direction == .sendrecv || video.direction == .sendonly, prefersFIR: fir && !pli,
            source: MediaSourceGuard(
                signalled: remote, signalledRTCP: remoteRTCP, signallingIP: signallingIP, probationPackets: configuration.probationPackets),
            unverifiedSendTicks: UInt64(configuration.unverifiedSendSeconds) * 50)
    }
}
