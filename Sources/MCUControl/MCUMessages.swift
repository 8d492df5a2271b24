/// The focus ↔ MCU control protocol (the role C3P played between the focus and the A/V MCU of the reference
/// architecture): typed, Codable messages, so the same calls can run in process today and over a network later.

/// A conference on an MCU. Scoped by tenant: the same meeting ID in two tenants is two conferences.
public struct ConferenceID: Hashable, Sendable, Codable, CustomStringConvertible {
    public var tenant: String
    public var meeting: String

    public init(tenant: String, meeting: String) {
        self.tenant = tenant
        self.meeting = meeting
    }

    public var description: String { "\(tenant)/\(meeting)" }
}

/// One participant's media in a conference (one SIP dialog).
public struct EndpointID: Hashable, Sendable, Codable, CustomStringConvertible {
    public var value: String
    public init(_ value: String) { self.value = value }
    public var description: String { value }

    /// A new identifier made by the server: `prefix` and 64 random bits in hex. Never derived from anything a peer
    /// sent (a Call-ID or a tag would let whoever reads the roster address someone else's call).
    public static func random(prefix: String = "ep-") -> EndpointID {
        var generator = SystemRandomNumberGenerator()
        let bits = UInt64.random(in: 0...UInt64.max, using: &generator)
        let hex = String(bits, radix: 16)
        return EndpointID(prefix + String(repeating: "0", count: 16 - hex.count) + hex)
    }
}

/// What the focus allows an endpoint's media to do.
public struct EndpointPolicy: Sendable, Codable, Equatable {
    /// Accept video m-lines.
    public var allowVideo: Bool = true
    /// Accept plain RTP; when false an offer without SDES keys is refused.
    public var allowPlainRTP: Bool = true
    /// Join muted (ingress filtered) — e.g. a meeting's "mute on entry".
    public var muted: Bool = false

    public init(allowVideo: Bool = true, allowPlainRTP: Bool = true, muted: Bool = false) {
        self.allowVideo = allowVideo
        self.allowPlainRTP = allowPlainRTP
        self.muted = muted
    }
}

/// `addEndpoint`: the caller's SDP offer in, the MCU's answer out; or, for dial-out, no offer in and the MCU's offer out.
public struct AddEndpointRequest: Sendable, Codable, Equatable {
    public var conference: ConferenceID
    public var endpoint: EndpointID
    /// The remote SDP offer, as received. Nil asks the MCU for an offer (dial-out): the response's `answer` then holds
    /// the MCU's SDP offer (Opus, PCMU, PCMA, telephone-event; RTP/AVP, or RTP/SAVP with a=crypto when
    /// `policy.allowPlainRTP` is false; video only when `policy.allowVideo`), and no media flows until
    /// `modifyEndpoint` brings the remote answer.
    public var offer: String?
    /// The address to write into the answer's c= line (the local address the INVITE arrived on, or configured).
    public var advertisedAddress: String
    public var policy: EndpointPolicy
    /// A label for logs and statistics (e.g. the caller's URI).
    public var label: String
    /// What the endpoint takes part in from its first tick.
    public var mode: EndpointMode = .conference
    /// The IP address the SIP request came from (dotted IPv4), if known: besides the address its SDP names, the MCU
    /// accepts media from this address, after a probation (callers behind NAT). Nil: only the SDP's address.
    public var signallingSource: String?

    public init(
        conference: ConferenceID, endpoint: EndpointID, offer: String?, advertisedAddress: String, policy: EndpointPolicy = EndpointPolicy(),
        label: String = "", mode: EndpointMode = .conference, signallingSource: String? = nil
    ) {
        self.conference = conference
        self.endpoint = endpoint
        self.offer = offer
        self.advertisedAddress = advertisedAddress
        self.policy = policy
        self.label = label
        self.mode = mode
        self.signallingSource = signallingSource
    }

    enum CodingKeys: String, CodingKey {
        case conference, endpoint, offer, advertisedAddress, policy, label, mode, signallingSource
    }

    /// Decodes a request; a missing `mode` means `.conference`, missing `policy` and `label` their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        conference = try c.decode(ConferenceID.self, forKey: .conference)
        endpoint = try c.decode(EndpointID.self, forKey: .endpoint)
        offer = try c.decodeIfPresent(String.self, forKey: .offer)
        advertisedAddress = try c.decode(String.self, forKey: .advertisedAddress)
        policy = try c.decodeIfPresent(EndpointPolicy.self, forKey: .policy) ?? EndpointPolicy()
        label = try c.decodeIfPresent(String.self, forKey: .label) ?? ""
        mode = try c.decodeIfPresent(EndpointMode.self, forKey: .mode) ?? .conference
        signallingSource = try c.decodeIfPresent(String.self, forKey: .signallingSource)
    }
}

/// One negotiated media stream, as the MCU set it up.
public struct EndpointMedia: Sendable, Codable, Equatable {
    public var type: String
    public var accepted: Bool
    public var localPort: Int
    public var codec: String?
    public var payloadType: Int?
    public var clockRate: Int?
    public var cryptoSuite: String?
    public var localSSRC: UInt32?
    public var rejectionReason: String?
    /// The negotiated direction from the MCU's side ("sendrecv", "sendonly", "recvonly", "inactive"): a peer that put
    /// the call on hold makes it "recvonly" or "inactive". Nil from an MCU that does not say.
    public var direction: String?

    public init(
        type: String, accepted: Bool, localPort: Int, codec: String? = nil, payloadType: Int? = nil, clockRate: Int? = nil,
        cryptoSuite: String? = nil, localSSRC: UInt32? = nil, rejectionReason: String? = nil, direction: String? = nil
    ) {
        self.direction = direction
        self.type = type
        self.accepted = accepted
        self.localPort = localPort
        self.codec = codec
        self.payloadType = payloadType
        self.clockRate = clockRate
        self.cryptoSuite = cryptoSuite
        self.localSSRC = localSSRC
        self.rejectionReason = rejectionReason
    }
}

/// The answer to `addEndpoint` (and to `modifyEndpoint` with a new offer or a dial-out answer).
public struct AddEndpointResponse: Sendable, Codable, Equatable {
    /// The SDP answer to send back in the 200 OK. For a dial-out `addEndpoint` (no offer) it is the MCU's SDP offer to
    /// put in the INVITE; for a `modifyEndpoint` that applied a dial-out answer it repeats that offer (nothing to send).
    public var answer: String
    public var media: [EndpointMedia]

    public init(answer: String, media: [EndpointMedia]) {
        self.answer = answer
        self.media = media
    }
}

/// `modifyEndpoint`: mute (ingress filter), mode (lobby, PIN entry), a re-INVITE's new offer (hold, media changes), or
/// the remote answer to the MCU's dial-out offer. Nil fields leave things as they are.
public struct ModifyEndpointRequest: Sendable, Codable, Equatable {
    public var conference: ConferenceID
    public var endpoint: EndpointID
    /// Mute or unmute what the endpoint sends into the mix; nil leaves it.
    public var muted: Bool?
    /// A new SDP offer (re-INVITE/UPDATE); nil leaves the media as it is.
    public var offer: String?
    public var advertisedAddress: String?
    /// Pin this endpoint's video for everyone (true) or return to voice-activated switching (false); nil leaves it.
    public var pinVideo: Bool?
    /// Isolate the endpoint or admit it to the conference, from the next tick; nil leaves it.
    public var mode: EndpointMode?
    /// The remote SDP answer to the MCU's offer: for a dial-out endpoint applying it starts media; after a `reoffer` it
    /// applies the peer's direction, keys and address. Not together with `offer`.
    public var answer: String?
    /// Asks for an MCU offer for a re-INVITE the focus sends (with `mode`: the lobby's `sendonly` turned back into
    /// `sendrecv` on admission): same o= session, version + 1, same ports and keys. The response's `answer` holds the
    /// offer; the peer's answer comes back in `answer`. Not together with `offer`.
    public var reoffer: Bool = false
    /// The peer acknowledged the MCU's last answer (the re-INVITE's ACK): a new key of ours that answered the peer's
    /// re-key is used from now on (until then our packets keep the key the peer can still decrypt). Alone.
    public var answerConfirmed: Bool = false
    /// With `answer`: the IP address the dial-out's SIP went to (dotted IPv4), whose media is accepted after probation
    /// (a callee behind NAT), as ``AddEndpointRequest/signallingSource``.
    public var signallingSource: String?

    public init(
        conference: ConferenceID, endpoint: EndpointID, muted: Bool? = nil, offer: String? = nil, advertisedAddress: String? = nil,
        pinVideo: Bool? = nil, mode: EndpointMode? = nil, answer: String? = nil, signallingSource: String? = nil, reoffer: Bool = false,
        answerConfirmed: Bool = false
    ) {
        self.reoffer = reoffer
        self.answerConfirmed = answerConfirmed
        self.conference = conference
        self.endpoint = endpoint
        self.muted = muted
        self.offer = offer
        self.advertisedAddress = advertisedAddress
        self.pinVideo = pinVideo
        self.mode = mode
        self.answer = answer
        self.signallingSource = signallingSource
    }
}

/// Per-endpoint counters.
public struct EndpointStatistics: Sendable, Codable, Equatable {
    public var endpoint: EndpointID
    public var label: String
    public var codec: String
    /// Muted by the focus.
    public var muted: Bool
    /// Muted by the participant (self-mute DTMF); independent of ``muted``.
    public var selfMuted: Bool? = nil
    /// What the endpoint takes part in now.
    public var mode: EndpointMode
    /// The prompt playing to it, if any.
    public var announcement: String?
    public var speaking: Bool
    public var packetsReceived: UInt64
    public var bytesReceived: UInt64
    public var packetsSent: UInt64
    public var bytesSent: UInt64
    public var packetsLost: UInt64
    public var packetsDropped: UInt64
    public var jitterMilliseconds: Double
    public var jitterBufferDelayMilliseconds: Int
    public var concealedFrames: UInt64
    /// SRTP/SRTCP packets dropped by the authentication or the replay check (see `drops` for each).
    public var srtpFailures: UInt64
    /// From RTCP report blocks (RFC 3550 §6.4.1), once the peer has reported on our stream.
    public var roundTripMilliseconds: Double?
    public var rtcpReceived: UInt64
    public var rtcpSent: UInt64
    /// Video packets this endpoint sent us, and video packets we forwarded to it.
    public var videoPacketsReceived: UInt64
    public var videoPacketsForwarded: UInt64
    /// Keyframe requests (PLI/FIR) we sent to this endpoint as a video source.
    public var keyFrameRequests: UInt64
    /// Packets dropped (audio, video, RTCP), by reason; nil from an MCU that does not report them.
    public var drops: MediaDropStatistics?

    public init(endpoint: EndpointID, label: String, codec: String, muted: Bool, speaking: Bool, packetsReceived: UInt64, bytesReceived: UInt64, packetsSent: UInt64, bytesSent: UInt64, packetsLost: UInt64, packetsDropped: UInt64, jitterMilliseconds: Double, jitterBufferDelayMilliseconds: Int, concealedFrames: UInt64, srtpFailures: UInt64, roundTripMilliseconds: Double? = nil, rtcpReceived: UInt64 = 0, rtcpSent: UInt64 = 0, videoPacketsReceived: UInt64 = 0, videoPacketsForwarded: UInt64 = 0, keyFrameRequests: UInt64 = 0, mode: EndpointMode = .conference, announcement: String? = nil, drops: MediaDropStatistics? = nil) {
        self.endpoint = endpoint
        self.drops = drops
        self.mode = mode
        self.announcement = announcement
        self.label = label
        self.codec = codec
        self.muted = muted
        self.speaking = speaking
        self.packetsReceived = packetsReceived
        self.bytesReceived = bytesReceived
        self.packetsSent = packetsSent
        self.bytesSent = bytesSent
        self.packetsLost = packetsLost
        self.packetsDropped = packetsDropped
        self.jitterMilliseconds = jitterMilliseconds
        self.jitterBufferDelayMilliseconds = jitterBufferDelayMilliseconds
        self.concealedFrames = concealedFrames
        self.srtpFailures = srtpFailures
        self.roundTripMilliseconds = roundTripMilliseconds
        self.rtcpReceived = rtcpReceived
        self.rtcpSent = rtcpSent
        self.videoPacketsReceived = videoPacketsReceived
        self.videoPacketsForwarded = videoPacketsForwarded
        self.keyFrameRequests = keyFrameRequests
    }
}

/// A conference's state and counters.
public struct ConferenceStatistics: Sendable, Codable, Equatable {
    public var conference: ConferenceID
    public var ticks: UInt64
    public var lateTicks: UInt64
    public var speakers: [EndpointID]
    public var endpoints: [EndpointStatistics]
    /// Packets dropped by reason over the conference's life, including endpoints that have left; nil from an MCU that
    /// does not report them.
    public var drops: MediaDropStatistics?
    /// The conference's measured cost: microseconds of tick time it took in the last second (nil from an MCU that does
    /// not measure it).
    public var tickMicrosecondsPerSecond: UInt64?

    public init(
        conference: ConferenceID, ticks: UInt64, lateTicks: UInt64, speakers: [EndpointID], endpoints: [EndpointStatistics],
        drops: MediaDropStatistics? = nil, tickMicrosecondsPerSecond: UInt64? = nil
    ) {
        self.conference = conference
        self.tickMicrosecondsPerSecond = tickMicrosecondsPerSecond
        self.drops = drops
        self.ticks = ticks
        self.lateTicks = lateTicks
        self.speakers = speakers
        self.endpoints = endpoints
    }
}

/// What an MCU reports so the MCU factory can place conferences.
public struct MCULoadReport: Sendable, Codable, Equatable {
    public var conferences: Int
    public var endpoints: Int
    public var freePorts: Int
    public var lateTicks: UInt64
    /// Event loops that run conferences, and the tick time all conferences took in the last second (microseconds; a
    /// loop offers 1,000,000 a second). Nil from an MCU that does not measure them.
    public var loops: Int?
    public var tickMicrosecondsPerSecond: UInt64?
    /// The instance takes no new conferences and wants its conferences moved (nil or false: it does not drain).
    public var draining: Bool?

    public init(
        conferences: Int, endpoints: Int, freePorts: Int, lateTicks: UInt64, loops: Int? = nil, tickMicrosecondsPerSecond: UInt64? = nil,
        draining: Bool? = nil
    ) {
        self.draining = draining
        self.conferences = conferences
        self.loops = loops
        self.tickMicrosecondsPerSecond = tickMicrosecondsPerSecond
        self.endpoints = endpoints
        self.freePorts = freePorts
        self.lateTicks = lateTicks
    }
}

/// Why a control call failed; the code tells the focus which SIP answer fits (488, 503, 404…).
public struct MCUControlError: Error, Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        /// The offer cannot be answered (→ 488 with the reason).
        case notAcceptable
        /// No ports or capacity left (→ 503 with Retry-After).
        case capacity
        /// No such conference or endpoint.
        case notFound
        /// Anything else.
        case failed
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
    public static func == (a: MCUControlError, b: MCUControlError) -> Bool { a.code == b.code }
}
