/// The offerer's side of RFC 3264, for dial-out: Consort's offer, and reading the answer to it.

/// What to put in a dial-out offer.
public struct SDPOfferOptions: Sendable, Equatable {
    /// The audio m= line's ports and SSRC.
    public var audio: SDPLocalMedia
    /// The video m= line's ports and SSRC, or nil for audio only.
    public var video: SDPLocalMedia?
    /// SDES keys, one a=crypto line each (tags 1, 2, ...), strongest first; empty offers RTP/AVP without SRTP.
    public var srtpKeys: [SDPOfferKey]
    /// Offer a=rtcp-mux.
    public var rtcpMux: Bool
    /// Our direction.
    public var direction: SDPDirection
    /// Offer the RFC 6464 audio level header extension (id 1).
    public var audioLevel: Bool
    /// Offer video over AVPF with nack, nack pli and ccm fir; otherwise plain AVP without feedback.
    public var videoFeedback: Bool

    /// Makes offer options; by default audio only, RTP/AVP, rtcp-mux, sendrecv, audio level, AVPF video.
    public init(
        audio: SDPLocalMedia, video: SDPLocalMedia? = nil, srtpKeys: [SDPOfferKey] = [], rtcpMux: Bool = true,
        direction: SDPDirection = .sendrecv, audioLevel: Bool = true, videoFeedback: Bool = true
    ) {
        self.audio = audio
        self.video = video
        self.srtpKeys = srtpKeys
        self.rtcpMux = rtcpMux
        self.direction = direction
        self.audioLevel = audioLevel
        self.videoFeedback = videoFeedback
    }
}

/// An SDES key to offer: the suite and its "inline:…" key parameters.
public struct SDPOfferKey: Sendable, Equatable {
    /// e.g. "AEAD_AES_256_GCM".
    public var suite: String
    /// e.g. "inline:<base64>".
    public var keyParameters: String

    /// Makes an offer key.
    public init(suite: String, keyParameters: String) {
        self.suite = suite
        self.keyParameters = keyParameters
    }
}

extension SDPOfferAnswer {
    /// Payload types Consort offers: opus 111, PCMU 0, PCMA 8, telephone-event/48000 110, telephone-event/8000 101,
    /// VP8 96, H.264 (packetization-mode=1, constrained baseline 3.1) 97.
    public enum OfferedPayloadType {
        /// Opus, opus/48000/2.
        public static let opus = 111
        /// PCMU/8000 (static).
        public static let pcmu = 0
        /// PCMA/8000 (static).
        public static let pcma = 8
        /// telephone-event/48000, for Opus.
        public static let telephoneEvent48000 = 110
        /// telephone-event/8000, for G.711.
        public static let telephoneEvent8000 = 101
        /// VP8/90000.
        public static let vp8 = 96
        /// H264/90000, packetization-mode=1, profile-level-id=42e01f.
        public static let h264 = 97
    }

    /// Builds a dial-out offer: audio Opus + PCMU + PCMA + telephone-event, optional video VP8 + H.264,
    /// optional SDES a=crypto lines; c= and o= from the policy.
    public static func offer(policy: SDPAnswerPolicy, options: SDPOfferOptions) -> SessionDescription {
        let secure = !options.srtpKeys.isEmpty
        var audio = MediaDescription(
            type: "audio", port: options.audio.port, proto: secure ? "RTP/SAVP" : "RTP/AVP",
            formats: [OfferedPayloadType.opus, OfferedPayloadType.pcmu, OfferedPayloadType.pcma,
                      OfferedPayloadType.telephoneEvent48000, OfferedPayloadType.telephoneEvent8000].map(String.init))
        func add(_ name: String, _ value: String? = nil, to section: inout MediaDescription) {
            section.attributes.append(SDPAttribute(name: name, value: value))
        }
        add("rtpmap", "\(OfferedPayloadType.opus) opus/48000/2", to: &audio)
        add("fmtp", "\(OfferedPayloadType.opus) \(policy.opus.formatParameters)", to: &audio)
        add("rtpmap", "\(OfferedPayloadType.pcmu) PCMU/8000", to: &audio)
        add("rtpmap", "\(OfferedPayloadType.pcma) PCMA/8000", to: &audio)
        add("rtpmap", "\(OfferedPayloadType.telephoneEvent48000) telephone-event/48000", to: &audio)
        add("fmtp", "\(OfferedPayloadType.telephoneEvent48000) 0-16", to: &audio)
        add("rtpmap", "\(OfferedPayloadType.telephoneEvent8000) telephone-event/8000", to: &audio)
        add("fmtp", "\(OfferedPayloadType.telephoneEvent8000) 0-16", to: &audio)
        add("ptime", "20", to: &audio)
        if options.audioLevel { add("extmap", "1 \(SDPExtensionMap.audioLevelURI)", to: &audio) }
        finish(&audio, local: options.audio, options: options)
        var media = [audio]

        if let local = options.video {
            let feedback = options.videoFeedback
            var video = MediaDescription(
                type: "video", port: local.port, proto: (secure ? "RTP/SAVP" : "RTP/AVP") + (feedback ? "F" : ""),
                formats: [String(OfferedPayloadType.vp8), String(OfferedPayloadType.h264)])
            add("rtpmap", "\(OfferedPayloadType.vp8) VP8/90000", to: &video)
            add("rtpmap", "\(OfferedPayloadType.h264) H264/90000", to: &video)
            add("fmtp", "\(OfferedPayloadType.h264) profile-level-id=42e01f;packetization-mode=1", to: &video)
            if feedback {
                for payloadType in [OfferedPayloadType.vp8, OfferedPayloadType.h264] {
                    add("rtcp-fb", "\(payloadType) nack", to: &video)
                    add("rtcp-fb", "\(payloadType) nack pli", to: &video)
                    add("rtcp-fb", "\(payloadType) ccm fir", to: &video)
                }
            }
            finish(&video, local: local, options: options)
            media.append(video)
        }
        return SessionDescription(
            origin: policy.origin, sessionName: "Consort",
            connection: SDPConnection(addressType: policy.addressType, address: policy.address), media: media)
    }

    private static func finish(_ section: inout MediaDescription, local: SDPLocalMedia, options: SDPOfferOptions) {
        for (offset, key) in options.srtpKeys.enumerated() {
            section.attributes.append(SDPAttribute(
                name: "crypto", value: SDPCrypto(tag: offset + 1, suite: key.suite, keyParameters: key.keyParameters).attributeValue))
        }
        if options.rtcpMux { section.attributes.append(SDPAttribute(name: "rtcp-mux")) }
        if let rtcpPort = local.rtcpPort { section.attributes.append(SDPAttribute(name: "rtcp", value: String(rtcpPort))) }
        if let ssrc = local.ssrc, let cname = local.cname {
            section.attributes.append(SDPAttribute(name: "ssrc", value: "\(ssrc) cname:\(cname)"))
        }
        section.attributes.append(SDPAttribute(name: options.direction.rawValue))
    }

    /// Reads the answer to our offer (RFC 3264 §6, §7): per m= line the codec, telephone-event, keys and
    /// addresses the answerer chose. Throws when the answer does not match the offer or accepts nothing.
    public static func negotiate(localOffer offer: SessionDescription, remoteAnswer answer: SessionDescription) throws(SDPError)
        -> [SDPNegotiatedMedia]
    {
        // RFC 3264 §6 wants every m= line answered. Some answerers (sipp's built-in uas, older phones) drop the streams
        // they refuse instead of setting port 0: those trailing lines count as refused rather than failing the call.
        guard !answer.media.isEmpty, answer.media.count <= offer.media.count else {
            throw SDPError(.answerMismatch, "the answer has \(answer.media.count) m= lines, the offer had \(offer.media.count) (RFC 3264 §6)")
        }
        var result: [SDPNegotiatedMedia] = []
        for (index, (ours, theirs)) in zip(offer.media, answer.media).enumerated() {
            guard ours.type == theirs.type else {
                throw SDPError(.answerMismatch, "m= line \(index + 1) of the answer is \(theirs.type), the offer's is \(ours.type)")
            }
            var entry = SDPNegotiatedMedia(rejected: index, type: theirs.type, proto: theirs.proto, reason: "", mid: theirs.mid ?? ours.mid)
            guard theirs.port != 0 else {
                entry.rejectionReason = "the answerer refused this stream (port 0)"
                result.append(entry)
                continue
            }
            let codecNames: Set<String> = ["opus", "pcmu", "pcma", "vp8", "h264"]
            let chosen = theirs.payloadTypes.lazy.filter { ours.payloadTypes.contains($0) }
                .compactMap { ours.rtpMap($0) }
                .first { codecNames.contains($0.encodingName.lowercased()) }
            guard let codec = chosen else {
                entry.rejectionReason = "the answer chose no codec from the offer: \(SDPCodecChoice.offeredList(theirs).replacing("offered", with: "answered", maxReplacements: 1))"
                result.append(entry)
                continue
            }
            if let crypto = theirs.cryptos.first, let mine = ours.cryptos.first(where: { $0.tag == crypto.tag && $0.suite == crypto.suite }) {
                entry.cryptoSuite = crypto.suite
                entry.remoteKeyParameters = crypto.keyParameters
                entry.localKeyParameters = mine.keyParameters
            } else if ours.proto.contains("SAVP") {
                entry.rejectionReason = "the answer has no a=crypto matching a tag and suite of the offer"
                result.append(entry)
                continue
            }
            guard let remote = answer.connection(of: theirs) else {
                entry.rejectionReason = "no c= address for this m= line or for the answer's session"
                result.append(entry)
                continue
            }
            entry.accepted = true
            entry.rejectionReason = nil
            entry.payloadType = codec.payloadType
            entry.codec = canonicalName(codec.encodingName)
            entry.clockRate = codec.clockRate
            entry.channels = codec.channels
            if let event = theirs.payloadTypes.lazy.compactMap({ ours.rtpMap($0) })
                .first(where: { $0.encodingName.lowercased() == "telephone-event" }) {
                entry.telephoneEventPayloadType = event.payloadType
                entry.telephoneEventClockRate = event.clockRate
            }
            entry.remoteAddress = remote.address
            entry.remotePort = theirs.port
            entry.remoteMaxPacketTime = theirs.maxptime
            entry.rtcpMux = ours.rtcpMux && theirs.rtcpMux
            if entry.rtcpMux {
                entry.remoteRTCPPort = theirs.port
            } else if let rtcp = theirs.rtcp {
                entry.remoteRTCPPort = rtcp.port
                entry.remoteRTCPAddress = rtcp.connection?.address
            } else {
                entry.remoteRTCPPort = theirs.port < 65535 ? theirs.port + 1 : nil
            }
            var answered = answer.direction(of: theirs)
            if remote.isHoldAddress { answered = answered.sends ? .sendonly : .inactive }
            entry.direction = answered.reversed
            entry.fmtp = theirs.fmtpParameters(codec.payloadType)
            entry.localFmtp = ours.fmtpParameters(codec.payloadType)
            let offeredFeedback = ours.rtcpFeedback.filter { $0.applies(to: codec.payloadType) }
            entry.rtcpFeedback = theirs.rtcpFeedback.filter { answered in
                answered.applies(to: codec.payloadType)
                    && offeredFeedback.contains { $0.type == answered.type && $0.parameter == answered.parameter }
            }.map { SDPRTCPFeedback(payloadType: codec.payloadType, type: $0.type, parameter: $0.parameter) }
            let offeredURIs = Set(ours.extensionMaps.map(\.uri))
            entry.extensionMaps = theirs.extensionMaps.filter { offeredURIs.contains($0.uri) }
            var seen: [UInt32] = []
            for ssrc in theirs.ssrcs where !seen.contains(ssrc.ssrc) { seen.append(ssrc.ssrc) }
            entry.remoteSSRCs = seen
            result.append(entry)
        }
        for index in answer.media.count..<offer.media.count {
            var missing = SDPNegotiatedMedia(
                rejected: index, type: offer.media[index].type, proto: offer.media[index].proto, reason: "", mid: offer.media[index].mid)
            missing.rejectionReason = "the answer left this m= line out (taken as refused)"
            result.append(missing)
        }
        guard result.contains(where: \.accepted) else {
            let first = result.first { $0.type == "audio" } ?? result.first
            throw SDPError(.notAcceptable, first?.rejectionReason ?? "the answer accepted no media stream")
        }
        return result
    }
}
