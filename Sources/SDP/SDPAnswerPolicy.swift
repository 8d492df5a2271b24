/// What Consort accepts when it answers an offer, and the origin and address it answers from.
public struct SDPAnswerPolicy: Sendable {
    /// Our media address, for c= and o=.
    public var address: String
    /// "IP4" or "IP6".
    public var addressType: String
    /// Whether video m= lines may be accepted; when false they are answered with port 0.
    public var allowVideo: Bool
    /// Whether RTP without SRTP may be accepted; when false an RTP/AVP(F) m= line without a usable a=crypto is refused.
    public var allowPlainRTP: Bool
    /// SDES-SRTP suites (RFC 4568) in preference order, strongest first.
    public var supportedCryptoSuites: [String]
    /// How we want Opus sent to us, and how we send it.
    public var opus: SDPOpusPolicy
    /// o= session id.
    public var sessionID: UInt64
    /// o= session version; increment it for every new description within a dialog.
    public var sessionVersion: UInt64
    /// o= username.
    public var username: String

    /// The suites libsrtp 2 offers, strongest first (GCM first).
    public static let defaultCryptoSuites = [
        "AEAD_AES_256_GCM", "AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32",
    ]

    /// Makes a policy; by default IPv4, video and plain RTP allowed, every libsrtp suite, Opus with in-band FEC.
    public init(
        address: String, addressType: String = "IP4", allowVideo: Bool = true, allowPlainRTP: Bool = true,
        supportedCryptoSuites: [String] = SDPAnswerPolicy.defaultCryptoSuites, opus: SDPOpusPolicy = SDPOpusPolicy(),
        sessionID: UInt64, sessionVersion: UInt64 = 1, username: String = "consort"
    ) {
        self.address = address
        self.addressType = addressType
        self.allowVideo = allowVideo
        self.allowPlainRTP = allowPlainRTP
        self.supportedCryptoSuites = supportedCryptoSuites
        self.opus = opus
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.username = username
    }

    var origin: SDPOrigin {
        SDPOrigin(username: username, sessionID: sessionID, sessionVersion: sessionVersion, addressType: addressType, address: address)
    }
}

/// The Opus format parameters Consort sends in its descriptions (RFC 7587 §6.1).
public struct SDPOpusPolicy: Sendable, Equatable {
    /// maxaveragebitrate in bit/s, or nil to leave it out.
    public var maxAverageBitrate: Int?
    /// useinbandfec=1: ask the other side to send in-band FEC.
    public var useInbandFEC: Bool
    /// usedtx=1: ask the other side to use discontinuous transmission.
    public var useDTX: Bool
    /// stereo and sprop-stereo: whether we receive and send stereo.
    public var stereo: Bool

    /// Makes an Opus policy; by default mono with in-band FEC, no DTX, no bitrate cap.
    public init(maxAverageBitrate: Int? = nil, useInbandFEC: Bool = true, useDTX: Bool = false, stereo: Bool = false) {
        self.maxAverageBitrate = maxAverageBitrate
        self.useInbandFEC = useInbandFEC
        self.useDTX = useDTX
        self.stereo = stereo
    }

    /// The fmtp text, e.g. "useinbandfec=1;maxaveragebitrate=32000;stereo=0;sprop-stereo=0".
    public var formatParameters: String {
        var parts: [String] = []
        if useInbandFEC { parts.append("useinbandfec=1") }
        if useDTX { parts.append("usedtx=1") }
        if let maxAverageBitrate { parts.append("maxaveragebitrate=\(maxAverageBitrate)") }
        parts.append("stereo=\(stereo ? 1 : 0)")
        parts.append("sprop-stereo=\(stereo ? 1 : 0)")
        return parts.joined(separator: ";")
    }
}

/// What the media side provides for an m= line it accepts.
public struct SDPLocalMedia: Sendable, Equatable {
    /// Our RTP port.
    public var port: Int
    /// Our RTCP port when not port + 1; announced with a=rtcp unless rtcp-mux is agreed.
    public var rtcpPort: Int?
    /// Our SSRC, announced with a=ssrc:<ssrc> cname:<cname> when the cname is given too.
    public var ssrc: UInt32?
    /// Our RTCP CNAME.
    public var cname: String?

    /// Makes local media parameters.
    public init(port: Int, rtcpPort: Int? = nil, ssrc: UInt32? = nil, cname: String? = nil) {
        self.port = port
        self.rtcpPort = rtcpPort
        self.ssrc = ssrc
        self.cname = cname
    }
}

/// What was agreed for one m= line, for the MCU.
public struct SDPNegotiatedMedia: Sendable, Equatable {
    /// The m= line's 0-based index.
    public var index: Int
    /// "audio", "video", ...
    public var type: String
    /// The transport, e.g. "RTP/SAVPF".
    public var proto: String
    /// Whether the stream was accepted (port non-zero in the answer).
    public var accepted: Bool
    /// Why not, when rejected.
    public var rejectionReason: String?
    /// The chosen codec's payload type (the offerer's number).
    public var payloadType: Int?
    /// "opus", "PCMU", "PCMA", "VP8" or "H264".
    public var codec: String?
    /// The codec's RTP clock rate.
    public var clockRate: Int?
    /// The codec's channel count from the rtpmap, when given.
    public var channels: Int?
    /// The RFC 4733 telephone-event payload type, when agreed.
    public var telephoneEventPayloadType: Int?
    /// The telephone-event clock rate, when agreed.
    public var telephoneEventClockRate: Int?
    /// Where to send RTP: the c= address that applies to the m= line.
    public var remoteAddress: String?
    /// Where to send RTP.
    public var remotePort: Int?
    /// Where to send RTCP: the same port with rtcp-mux, a=rtcp's port, or RTP port + 1.
    public var remoteRTCPPort: Int?
    /// a=rtcp's address when it names one other than the RTP address.
    public var remoteRTCPAddress: String?
    /// Whether RTP and RTCP share the port (RFC 5761).
    public var rtcpMux: Bool
    /// Our direction in the answer.
    public var direction: SDPDirection
    /// The SDES suite, when SRTP with a=crypto was agreed.
    public var cryptoSuite: String?
    /// The remote side's key parameters for that suite (it encrypts what it sends with them).
    public var remoteKeyParameters: String?
    /// Our key parameters ("inline:…"), as put in our description.
    public var localKeyParameters: String?
    /// The remote side's fmtp for the chosen codec (how it wants to receive), keys lower-cased.
    public var fmtp: [String: String]
    /// The fmtp we put in our description for the chosen codec.
    public var localFmtp: [String: String]
    /// The agreed RTCP feedback (nack, nack pli, ccm fir), with the chosen payload type.
    public var rtcpFeedback: [SDPRTCPFeedback]
    /// The agreed header extensions with the offerer's ids (the audio level extension for audio).
    public var extensionMaps: [SDPExtensionMap]
    /// The remote side's SSRCs from a=ssrc, when it announced them.
    public var remoteSSRCs: [UInt32]
    /// a=mid, when the offer had one.
    public var mid: String?
    /// The remote side's a=maxptime (RFC 4566 §6): the longest packets, in ms, it wants to receive; nil when not given.
    public var remoteMaxPacketTime: Int?

    /// A rejected m= line.
    public init(rejected index: Int, type: String, proto: String, reason: String, mid: String? = nil) {
        self.index = index
        self.type = type
        self.proto = proto
        self.accepted = false
        self.rejectionReason = reason
        self.rtcpMux = false
        self.direction = .inactive
        self.fmtp = [:]
        self.localFmtp = [:]
        self.rtcpFeedback = []
        self.extensionMaps = []
        self.remoteSSRCs = []
        self.mid = mid
    }
}

/// An answer and what it agreed.
public struct SDPAnswer: Sendable, Equatable {
    /// The description to send.
    public var description: SessionDescription
    /// One entry per m= line, in order.
    public var media: [SDPNegotiatedMedia]

    /// Makes an answer.
    public init(description: SessionDescription, media: [SDPNegotiatedMedia]) {
        self.description = description
        self.media = media
    }
}
