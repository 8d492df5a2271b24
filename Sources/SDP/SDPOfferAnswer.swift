/// RFC 3264 offer/answer as Consort's focus practises it: every offered m= line is answered in the same
/// order; an accepted one gets one codec, our port, our key; a refused one gets port 0 with the offered
/// formats (§6). When nothing can be accepted the answer fails with the reason for the 488's Warning.
public enum SDPOfferAnswer {
    /// The transports Consort carries, by their proto names.
    static let supportedProtos: Set<String> = [
        "RTP/AVP", "RTP/AVPF", "RTP/SAVP", "RTP/SAVPF", "UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVPF",
    ]

    /// The reason given for a DTLS-SRTP offer without SDES keys.
    public static let dtlsReason =
        "DTLS-SRTP (UDP/TLS/RTP/SAVPF without a=crypto) is not supported yet; offer SDES-SRTP (a=crypto) or RTP/AVP"

    /// Builds the answer. `localMedia(index, type)` is asked for each m= line that will be accepted (nil rejects
    /// it, e.g. no ports left); `makeKey(suite)` returns fresh key parameters ("inline:…") for the chosen SDES suite,
    /// and is asked before `localMedia`. Throws ``SDPError/Code/notAcceptable`` when no m= line can be accepted,
    /// with the reason of the first refused audio line (else of the first refused line).
    public static func answer(
        offer: SessionDescription, policy: SDPAnswerPolicy,
        localMedia: (Int, String) -> SDPLocalMedia?, makeKey: (String) -> String?
    ) throws(SDPError) -> SDPAnswer {
        guard !offer.media.isEmpty else { throw SDPError(.notAcceptable, "the offer has no m= line") }
        var sections: [MediaDescription] = []
        var agreed: [SDPNegotiatedMedia] = []
        for (index, offered) in offer.media.enumerated() {
            switch answer(offered, at: index, in: offer, policy: policy, localMedia: localMedia, makeKey: makeKey) {
            case .success(let (section, negotiated)):
                sections.append(section)
                agreed.append(negotiated)
            case .failure(let failure):
                var section = MediaDescription(type: offered.type, port: 0, proto: offered.proto, formats: offered.formats)
                if let mid = offered.mid { section.attributes.append(SDPAttribute(name: "mid", value: mid)) }
                sections.append(section)
                agreed.append(SDPNegotiatedMedia(
                    rejected: index, type: offered.type, proto: offered.proto, reason: failure.reason, mid: offered.mid))
            }
        }
        guard agreed.contains(where: \.accepted) else {
            let first = agreed.first { $0.type == "audio" } ?? agreed.first
            throw SDPError(.notAcceptable, first?.rejectionReason ?? "no media stream could be accepted")
        }
        let description = SessionDescription(
            origin: policy.origin, sessionName: "Consort",
            connection: SDPConnection(addressType: policy.addressType, address: policy.address), media: sections)
        return SDPAnswer(description: description, media: agreed)
    }

    private static func answer(
        _ offered: MediaDescription, at index: Int, in offer: SessionDescription, policy: SDPAnswerPolicy,
        localMedia: (Int, String) -> SDPLocalMedia?, makeKey: (String) -> String?
    ) -> Result<(MediaDescription, SDPNegotiatedMedia), SDPNegotiationFailure> {
        guard offered.port != 0 else { return .failure(.init("the offer disabled this stream (port 0)")) }
        let choice: Result<SDPCodecChoice, SDPNegotiationFailure>
        switch offered.type {
        case "audio":
            choice = SDPCodecChoice.audio(offered, opus: policy.opus)
        case "video":
            guard policy.allowVideo else { return .failure(.init("video is not allowed by policy")) }
            choice = SDPCodecChoice.video(offered)
        default:
            return .failure(.init("media type '\(offered.type)' is not supported; Consort accepts audio and video"))
        }
        guard supportedProtos.contains(offered.proto) else {
            return .failure(.init(
                "transport '\(offered.proto)' is not supported; Consort accepts RTP/AVP, RTP/AVPF, RTP/SAVP, RTP/SAVPF"))
        }
        let crypto: SDPCrypto?
        switch chooseCrypto(offered, in: offer, policy: policy) {
        case .success(let chosen): crypto = chosen
        case .failure(let failure): return .failure(failure)
        }
        let codec: SDPCodecChoice
        switch choice {
        case .success(let chosen): codec = chosen
        case .failure(let failure): return .failure(failure)
        }
        guard let remote = offer.connection(of: offered) else {
            return .failure(.init("no c= address for this m= line or for the session"))
        }

        var localKey: String?
        if let crypto {
            guard let key = makeKey(crypto.suite) else { return .failure(.init("could not make an SRTP key for \(crypto.suite)")) }
            localKey = key
        }
        guard let local = localMedia(index, offered.type) else {
            return .failure(.init("no media port is available for this \(offered.type) stream"))
        }

        var offeredDirection = offer.direction(of: offered)
        if remote.isHoldAddress {
            // RFC 3264 §8.4: the RFC 2543 hold address means "send me nothing".
            offeredDirection = offeredDirection.sends ? .sendonly : .inactive
        }
        let direction = offeredDirection.reversed
        let rtcpMux = offered.rtcpMux

        var section = MediaDescription(type: offered.type, port: local.port, proto: offered.proto, formats: [String(codec.codec.payloadType)])
        var negotiated = SDPNegotiatedMedia(
            rejected: index, type: offered.type, proto: offered.proto, reason: "", mid: offered.mid)
        negotiated.accepted = true
        negotiated.rejectionReason = nil
        func add(_ name: String, _ value: String? = nil) { section.attributes.append(SDPAttribute(name: name, value: value)) }

        add("rtpmap", codec.codec.attributeValue)
        if let fmtp = codec.localFormatParameters { add("fmtp", "\(codec.codec.payloadType) \(fmtp)") }
        if let event = codec.telephoneEvent {
            section.formats.append(String(event.payloadType))
            add("rtpmap", event.attributeValue)
            if let fmtp = codec.telephoneEventFormatParameters { add("fmtp", "\(event.payloadType) \(fmtp)") }
            negotiated.telephoneEventPayloadType = event.payloadType
            negotiated.telephoneEventClockRate = event.clockRate
        }
        if offered.type == "audio" { add("ptime", "20") }
        for feedback in codec.feedback { add("rtcp-fb", feedback.attributeValue) }
        if offered.type == "audio" {
            for map in offered.extensionMaps where map.uri == SDPExtensionMap.audioLevelURI {
                let answered = SDPExtensionMap(id: map.id, direction: map.direction?.reversed, uri: map.uri, attributes: map.attributes)
                add("extmap", answered.attributeValue)
                negotiated.extensionMaps.append(answered)
                break
            }
        }
        if let crypto, let localKey {
            add("crypto", SDPCrypto(tag: crypto.tag, suite: crypto.suite, keyParameters: localKey).attributeValue)
            negotiated.cryptoSuite = crypto.suite
            negotiated.remoteKeyParameters = crypto.keyParameters
            negotiated.localKeyParameters = localKey
        }
        if rtcpMux {
            add("rtcp-mux")
        } else if let rtcpPort = local.rtcpPort {
            add("rtcp", String(rtcpPort))
        }
        if let mid = offered.mid { add("mid", mid) }
        if let ssrc = local.ssrc, let cname = local.cname { add("ssrc", "\(ssrc) cname:\(cname)") }
        add(direction.rawValue)

        negotiated.payloadType = codec.codec.payloadType
        negotiated.codec = canonicalName(codec.codec.encodingName)
        negotiated.clockRate = codec.codec.clockRate
        negotiated.channels = codec.codec.channels
        negotiated.remoteAddress = remote.address
        negotiated.remotePort = offered.port
        negotiated.remoteMaxPacketTime = offered.maxptime
        negotiated.rtcpMux = rtcpMux
        if rtcpMux {
            negotiated.remoteRTCPPort = offered.port
        } else if let rtcp = offered.rtcp {
            negotiated.remoteRTCPPort = rtcp.port
            negotiated.remoteRTCPAddress = rtcp.connection?.address
        } else {
            negotiated.remoteRTCPPort = offered.port < 65535 ? offered.port + 1 : nil
        }
        negotiated.direction = direction
        negotiated.fmtp = codec.remoteFormatParameters.map(SDPFormatParameters.parse) ?? [:]
        negotiated.localFmtp = codec.localFormatParameters.map(SDPFormatParameters.parse) ?? [:]
        negotiated.rtcpFeedback = codec.feedback
        var seen: [UInt32] = []
        for ssrc in offered.ssrcs where !seen.contains(ssrc.ssrc) { seen.append(ssrc.ssrc) }
        negotiated.remoteSSRCs = seen
        return .success((section, negotiated))
    }

    /// RFC 4568 §7.1.2: the strongest suite in policy order that the offer has, without session parameters
    /// Consort cannot honour. nil means plain RTP.
    private static func chooseCrypto(
        _ offered: MediaDescription, in offer: SessionDescription, policy: SDPAnswerPolicy
    ) -> Result<SDPCrypto?, SDPNegotiationFailure> {
        let cryptos = offered.cryptos
        let secureProto = offered.proto.contains("SAVP")
        for suite in policy.supportedCryptoSuites {
            if let crypto = cryptos.first(where: { $0.suite == suite && $0.sessionParameters.isEmpty }) {
                return .success(crypto)
            }
        }
        let raw = offered.attributeValues("crypto")
        if raw.isEmpty, offered.proto.hasPrefix("UDP/TLS/") || (secureProto && offer.isDTLS(offered)) {
            return .failure(.init(dtlsReason))
        }
        if !raw.isEmpty {
            let offeredSuites = cryptos.map { $0.suite + ($0.sessionParameters.isEmpty ? "" : " with " + $0.sessionParameters.joined(separator: " ")) }
            let what = offeredSuites.isEmpty
                ? "a=crypto \(SDPText.quote(raw[0])) does not parse as <tag> <suite> inline:<key>"
                : "offered \(offeredSuites.prefix(6).joined(separator: ", "))"
            let reason = "no usable SRTP crypto suite: \(what); Consort accepts \(policy.supportedCryptoSuites.joined(separator: ", "))"
            if secureProto || !policy.allowPlainRTP { return .failure(.init(reason)) }
            return .success(nil)
        }
        if secureProto {
            return .failure(.init("\(offered.proto) needs a=crypto (SDES-SRTP, RFC 4568) and the offer has none"))
        }
        guard policy.allowPlainRTP else {
            return .failure(.init("unencrypted RTP (\(offered.proto) without a=crypto) is not allowed by policy; offer SDES-SRTP (a=crypto)"))
        }
        return .success(nil)
    }

    /// "opus", "PCMU", "PCMA", "VP8", "H264", whatever case the offer used.
    static func canonicalName(_ name: String) -> String {
        switch name.lowercased() {
        case "opus": "opus"
        case "pcmu": "PCMU"
        case "pcma": "PCMA"
        case "vp8": "VP8"
        case "h264": "H264"
        case "telephone-event": "telephone-event"
        default: name
        }
    }
}
