import SDP
import Testing

/// The answer builder against real offers (RFC 3264 §6, RFC 7587, RFC 4733, RFC 4568, RFC 4585, RFC 5761).
@Suite("RFC 3264 answers")
struct SDPAnswerTests {
    static let policy = SDPAnswerPolicy(
        address: "192.0.2.10", opus: SDPOpusPolicy(maxAverageBitrate: 32000, useInbandFEC: true, useDTX: true),
        sessionID: 1001, sessionVersion: 7)

    /// Answers with ports 40000, 40002, ... and a fixed key per suite; records what was asked.
    final class Media {
        var asked: [(Int, String)] = []
        var suites: [String] = []
        func local(_ index: Int, _ type: String) -> SDPLocalMedia? {
            asked.append((index, type))
            return SDPLocalMedia(port: 40000 + 2 * index, rtcpPort: 40001 + 2 * index, ssrc: 0x1234_5678, cname: "consort@example")
        }
        func key(_ suite: String) -> String? {
            suites.append(suite)
            return "inline:KEYFOR\(suite)"
        }
    }

    func answer(_ body: String, policy: SDPAnswerPolicy = SDPAnswerTests.policy, media: Media = Media()) throws -> SDPAnswer {
        let offer = try SessionDescription(parsing: SoftphoneOffers.crlf(body))
        let answer = try SDPOfferAnswer.answer(offer: offer, policy: policy, localMedia: media.local, makeKey: media.key)
        // Whatever we answer must parse back to itself.
        #expect(try SessionDescription(parsing: answer.description.serialized) == answer.description)
        #expect(answer.description.media.count == offer.media.count)
        return answer
    }

    func lines(_ answer: SDPAnswer, media index: Int) -> [String] {
        answer.description.media[index].attributes.map { attribute in
            "a=" + (attribute.value.map { "\(attribute.name):\($0)" } ?? attribute.name)
        }
    }

    @Test("RFC 7587: Opus is preferred over G.711 and answered with the offerer's payload type and our fmtp")
    func baresipOpus() throws {
        let answer = try answer(SoftphoneOffers.baresip)
        let agreed = answer.media[0]
        #expect(agreed.accepted && agreed.codec == "opus" && agreed.payloadType == 96)
        #expect(agreed.clockRate == 48000 && agreed.channels == 2)
        #expect(agreed.telephoneEventPayloadType == 101 && agreed.telephoneEventClockRate == 8000)
        #expect(agreed.remoteAddress == "192.168.1.20" && agreed.remotePort == 20388)
        #expect(agreed.rtcpMux && agreed.remoteRTCPPort == 20388)
        #expect(agreed.direction == .sendrecv)
        #expect(agreed.fmtp == ["stereo": "1", "sprop-stereo": "1"])
        #expect(agreed.localFmtp["usedtx"] == "1" && agreed.localFmtp["maxaveragebitrate"] == "32000")
        #expect(agreed.remoteSSRCs == [1_476_387_546])
        #expect(agreed.cryptoSuite == nil)
        let section = answer.description.media[0]
        #expect(section.port == 40000 && section.proto == "RTP/AVP" && section.formats == ["96", "101"])
        #expect(lines(answer, media: 0) == [
            "a=rtpmap:96 opus/48000/2",
            "a=fmtp:96 useinbandfec=1;usedtx=1;maxaveragebitrate=32000;stereo=0;sprop-stereo=0",
            "a=rtpmap:101 telephone-event/8000",
            "a=fmtp:101 0-15",
            "a=ptime:20",
            "a=rtcp-mux",
            "a=ssrc:305419896 cname:consort@example",
            "a=sendrecv",
        ])
        let description = answer.description
        #expect(description.origin == SDPOrigin(username: "consort", sessionID: 1001, sessionVersion: 7, address: "192.0.2.10"))
        #expect(description.connection == SDPConnection(address: "192.0.2.10"))
    }

    @Test("RFC 4733: telephone-event at the chosen codec's clock rate is preferred (48000 with Opus)")
    func telephoneEventClockRate() throws {
        let answer = try answer(SoftphoneOffers.linphone)
        #expect(answer.media[0].codec == "opus" && answer.media[0].telephoneEventPayloadType == 101)
        #expect(answer.media[0].telephoneEventClockRate == 48000)
        #expect(answer.description.media[0].formats == ["96", "101"])
        // No fmtp was offered for 101, so none is answered.
        #expect(!lines(answer, media: 0).contains { $0.hasPrefix("a=fmtp:101") })
        // Without rtcp-mux, our RTCP port is announced (RFC 3605) and theirs is RTP + 1.
        #expect(lines(answer, media: 0).contains("a=rtcp:40001"))
        #expect(answer.media[0].remoteRTCPPort == 7079)
    }

    @Test("RFC 4585: video over RTP/AVP gets no rtcp-fb even when the offer lists some (Linphone)")
    func linphoneVideoOverAVP() throws {
        let answer = try answer(SoftphoneOffers.linphone)
        let video = answer.media[1]
        #expect(video.accepted && video.codec == "VP8" && video.payloadType == 96 && video.clockRate == 90000)
        #expect(video.rtcpFeedback.isEmpty)
        #expect(!lines(answer, media: 1).contains { $0.hasPrefix("a=rtcp-fb") })
        #expect(!lines(answer, media: 1).contains("a=ptime:20"))
    }

    @Test("RFC 3551: a PCMU-only gateway gets PCMU (static PT 0), telephone-event with 0-15 echoed, ptime 20")
    func ciscoPCMU() throws {
        let answer = try answer(SoftphoneOffers.ciscoPCMUOnly)
        #expect(answer.media[0].codec == "PCMU" && answer.media[0].payloadType == 0 && answer.media[0].clockRate == 8000)
        #expect(answer.media[0].fmtp.isEmpty && answer.media[0].localFmtp.isEmpty)
        #expect(lines(answer, media: 0).prefix(4) == ["a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15", "a=ptime:20"])
    }

    @Test("RFC 3264 §6.1: among G.711 codecs the offerer's order decides (PCMU before PCMA); G.722 and G.729 are skipped")
    func polycomOrder() throws {
        let answer = try answer(SoftphoneOffers.polycom)
        #expect(answer.media[0].codec == "PCMU")
        #expect(answer.description.media[0].formats == ["0", "127"])
    }

    @Test("RFC 3264 §6: only G.722 offered → 488 reason naming what was offered and what Consort accepts")
    func g722Only() throws {
        let offer = try SessionDescription(parsing: SoftphoneOffers.g722Only)
        let media = Media()
        let error = #expect(throws: SDPError.self) {
            try SDPOfferAnswer.answer(offer: offer, policy: Self.policy, localMedia: media.local, makeKey: media.key)
        }
        #expect(error?.code == .notAcceptable)
        #expect(error?.reason == "no usable audio codec: offered G722/8000; Consort accepts opus/48000/2, PCMU/8000, PCMA/8000")
        #expect(media.asked.isEmpty, "no ports are taken for a refused offer")
    }

    @Test("RFC 5763/5764: a DTLS-only offer is refused with the DTLS reason")
    func dtlsOnly() throws {
        let offer = try SessionDescription(parsing: SoftphoneOffers.dtlsOnly)
        let media = Media()
        let error = #expect(throws: SDPError.self) {
            try SDPOfferAnswer.answer(offer: offer, policy: Self.policy, localMedia: media.local, makeKey: media.key)
        }
        #expect(error?.reason == SDPOfferAnswer.dtlsReason)
        #expect(error?.reason.contains("DTLS-SRTP (UDP/TLS/RTP/SAVPF without a=crypto) is not supported yet") == true)
    }

    @Test("RFC 4568 §7.1.2: with CM_80 and GCM offered, GCM (policy order) is chosen with the offerer's tag and a fresh key")
    func savpPrefersGCM() throws {
        let media = Media()
        let answer = try answer(SoftphoneOffers.savpTwoSuites, media: media)
        let agreed = answer.media[0]
        #expect(agreed.cryptoSuite == "AEAD_AES_256_GCM")
        #expect(agreed.remoteKeyParameters == "inline:VGhpcyBpcyBub3QgYSByZWFsIGtleSBqdXN0IGEgdGVzdCBrZXkh")
        #expect(agreed.localKeyParameters == "inline:KEYFORAEAD_AES_256_GCM")
        #expect(media.suites == ["AEAD_AES_256_GCM"])
        #expect(lines(answer, media: 0).contains("a=crypto:2 AEAD_AES_256_GCM inline:KEYFORAEAD_AES_256_GCM"))
        #expect(answer.description.media[0].proto == "RTP/SAVP")
        #expect(agreed.remoteRTCPPort == 16001 && !agreed.rtcpMux)
        #expect(agreed.codec == "PCMU" && agreed.telephoneEventPayloadType == 101)
    }

    @Test("RFC 4568: a policy without GCM picks AES_CM_128_HMAC_SHA1_80; with no common suite the SAVP line is refused")
    func savpSuitePolicy() throws {
        var policy = Self.policy
        policy.supportedCryptoSuites = ["AES_CM_128_HMAC_SHA1_80"]
        #expect(try answer(SoftphoneOffers.savpTwoSuites, policy: policy).media[0].cryptoSuite == "AES_CM_128_HMAC_SHA1_80")
        policy.supportedCryptoSuites = ["AES_CM_128_HMAC_SHA1_32"]
        let offer = try SessionDescription(parsing: SoftphoneOffers.savpTwoSuites)
        let error = #expect(throws: SDPError.self) {
            try SDPOfferAnswer.answer(offer: offer, policy: policy, localMedia: { _, _ in SDPLocalMedia(port: 4000) }, makeKey: { _ in "inline:x" })
        }
        #expect(error?.reason == "no usable SRTP crypto suite: offered AES_CM_128_HMAC_SHA1_80, AEAD_AES_256_GCM; Consort accepts AES_CM_128_HMAC_SHA1_32")
    }

    @Test("RFC 4568 on RTP/SAVPF with rtcp-mux, mid and audio level (a WebRTC-style SDES offer)")
    func webRTCWithCrypto() throws {
        let answer = try answer(SoftphoneOffers.webRTCWithCrypto)
        let agreed = answer.media[0]
        #expect(agreed.codec == "opus" && agreed.payloadType == 111 && agreed.telephoneEventPayloadType == 126)
        #expect(agreed.cryptoSuite == "AES_CM_128_HMAC_SHA1_80")
        #expect(agreed.remoteKeyParameters == "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^31")
        #expect(agreed.rtcpMux && agreed.remoteRTCPPort == 49203)
        #expect(agreed.remoteAddress == "203.0.113.7")
        #expect(agreed.mid == "audio")
        #expect(agreed.extensionMaps == [SDPExtensionMap(id: 1, uri: SDPExtensionMap.audioLevelURI)])
        #expect(agreed.rtcpFeedback.isEmpty, "transport-cc is not agreed")
        let answered = lines(answer, media: 0)
        #expect(answered.contains("a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level"))
        #expect(answered.contains("a=mid:audio") && answered.contains("a=rtcp-mux"))
        #expect(!answered.contains { $0.hasPrefix("a=rtcp:") }, "no a=rtcp with rtcp-mux")
        #expect(answer.description.media[0].proto == "RTP/SAVPF")
    }

    @Test("RFC 4585 + RFC 6184: VP8 preferred, rtcp-fb nack / nack pli / ccm fir only as offered; audio level with direction")
    func audioVideoAVPF() throws {
        let answer = try answer(SoftphoneOffers.audioVideoAVPF)
        #expect(answer.media[0].codec == "opus" && answer.media[0].telephoneEventClockRate == 48000)
        #expect(answer.media[0].extensionMaps == [
            SDPExtensionMap(id: 2, direction: .sendrecv, uri: SDPExtensionMap.audioLevelURI, attributes: "vad=on")
        ])
        #expect(lines(answer, media: 0).contains("a=fmtp:101 0-16"))
        let video = answer.media[1]
        #expect(video.codec == "VP8" && video.payloadType == 96)
        #expect(video.rtcpFeedback == [
            SDPRTCPFeedback(payloadType: 96, type: "nack"), SDPRTCPFeedback(payloadType: 96, type: "nack", parameter: "pli"),
            SDPRTCPFeedback(payloadType: 96, type: "ccm", parameter: "fir"),
        ])
        #expect(lines(answer, media: 1) == [
            "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack pli", "a=rtcp-fb:96 ccm fir",
            "a=rtcp:40003", "a=ssrc:305419896 cname:consort@example", "a=sendrecv",
        ])
    }

    @Test("RFC 6184: H.264 needs packetization-mode=1; profile-level-id is echoed; mode 0 is skipped")
    func h264PacketizationMode() throws {
        var offer = try SessionDescription(parsing: SoftphoneOffers.audioVideoAVPF)
        offer.media[1].formats = ["100", "97"]
        let answer = try SDPOfferAnswer.answer(
            offer: offer, policy: Self.policy, localMedia: Media().local, makeKey: Media().key)
        #expect(answer.media[1].codec == "H264" && answer.media[1].payloadType == 97)
        #expect(answer.media[1].fmtp["profile-level-id"] == "42e01f")
        #expect(answer.description.media[1].attributes.contains(
            SDPAttribute(name: "fmtp", value: "97 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1")))
        #expect(answer.media[1].rtcpFeedback.map(\.attributeValue) == ["97 nack", "97 nack pli", "97 ccm fir"])

        offer.media[1].formats = ["100"]
        let modeZero = try SDPOfferAnswer.answer(offer: offer, policy: Self.policy, localMedia: Media().local, makeKey: Media().key)
        #expect(!modeZero.media[1].accepted)
        #expect(modeZero.media[1].rejectionReason
            == "no usable video codec: offered H264/90000 (packetization-mode=0); Consort accepts VP8/90000, H264/90000 with packetization-mode=1")
    }

    @Test("RFC 6184 over RTP/AVP: an H.264-only video phone gets H.264 without rtcp-fb; PCMA without rtpmap is accepted")
    func h264OnlyAVP() throws {
        let answer = try answer(SoftphoneOffers.h264OnlyAVP)
        #expect(answer.media[0].codec == "PCMA" && answer.media[0].payloadType == 8)
        #expect(answer.media[1].codec == "H264" && answer.media[1].payloadType == 109)
        #expect(answer.media[1].rtcpFeedback.isEmpty)
        #expect(answer.media[1].fmtp == ["profile-level-id": "428016", "packetization-mode": "1"])
    }

    @Test("RFC 3264 §6: video refused by policy is answered with port 0, same order, offered formats")
    func videoNotAllowed() throws {
        var policy = Self.policy
        policy.allowVideo = false
        let media = Media()
        let answer = try answer(SoftphoneOffers.audioVideoAVPF, policy: policy, media: media)
        #expect(answer.media[0].accepted)
        #expect(!answer.media[1].accepted && answer.media[1].rejectionReason == "video is not allowed by policy")
        let section = answer.description.media[1]
        #expect(section.type == "video" && section.port == 0 && section.proto == "RTP/AVPF" && section.formats == ["100", "97", "96"])
        #expect(section.attributes.isEmpty)
        #expect(media.asked.map(\.0) == [0], "ports are asked only for accepted lines")
    }

    @Test("RFC 3264 §10.1: PCMU accepted, H.261/MPV video refused with port 0")
    func rfc3264Example10_1() throws {
        let answer = try answer(SoftphoneOffers.rfc3264Section10_1)
        #expect(answer.media[0].codec == "PCMU" && answer.media[0].remoteAddress == "host.atlanta.example.com")
        #expect(answer.description.media[0].formats == ["0"])
        #expect(!answer.media[1].accepted)
        #expect(answer.media[1].rejectionReason?.hasPrefix("no usable video codec: offered H261/90000, MPV/90000") == true)
        #expect(answer.description.media[1].port == 0 && answer.description.media[1].formats == ["31", "32"])
    }

    @Test("RFC 3264 §10.2: a non-RTP application stream is refused with port 0 and its formats copied")
    func rfc3264Example10_2() throws {
        let answer = try answer(SoftphoneOffers.rfc3264Section10_2)
        #expect(answer.media.map(\.accepted) == [true, false, false])
        #expect(answer.media[2].rejectionReason == "media type 'application' is not supported; Consort accepts audio and video")
        #expect(answer.description.media[2].serializedLine == "application 0 udp wb")
    }

    @Test("RFC 3264 §8.4 hold: sendonly → recvonly, session-level inactive → inactive, c=0.0.0.0 → recvonly")
    func hold() throws {
        let sendonly = try answer(SoftphoneOffers.holdSendonly)
        #expect(sendonly.media[0].direction == .recvonly)
        #expect(sendonly.description.media[0].attributes.last == SDPAttribute(name: "recvonly"))
        let inactive = try answer(SoftphoneOffers.holdInactive)
        #expect(inactive.media[0].direction == .inactive)
        #expect(inactive.description.media[0].attributes.last == SDPAttribute(name: "inactive"))
        let zero = try answer(SoftphoneOffers.holdZeroAddress)
        #expect(zero.media[0].direction == .recvonly && zero.media[0].remoteAddress == "0.0.0.0")
        var recvonly = try SessionDescription(parsing: SoftphoneOffers.holdSendonly)
        recvonly.media[0].direction = .recvonly
        let answered = try SDPOfferAnswer.answer(offer: recvonly, policy: Self.policy, localMedia: Media().local, makeKey: Media().key)
        #expect(answered.media[0].direction == .sendonly)
    }

    @Test("policy: plain RTP refused when allowPlainRTP is false, with the reason; RTP/AVP with a=crypto is still accepted")
    func plainRTPPolicy() throws {
        var policy = Self.policy
        policy.allowPlainRTP = false
        let offer = try SessionDescription(parsing: SoftphoneOffers.baresip)
        let error = #expect(throws: SDPError.self) {
            try SDPOfferAnswer.answer(offer: offer, policy: policy, localMedia: Media().local, makeKey: Media().key)
        }
        #expect(error?.reason == "unencrypted RTP (RTP/AVP without a=crypto) is not allowed by policy; offer SDES-SRTP (a=crypto)")
        var withCrypto = offer
        withCrypto.media[0].attributes.append(SDPAttribute(name: "crypto", value: "7 AEAD_AES_128_GCM inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"))
        let answer = try SDPOfferAnswer.answer(offer: withCrypto, policy: policy, localMedia: Media().local, makeKey: Media().key)
        #expect(answer.media[0].cryptoSuite == "AEAD_AES_128_GCM")
        #expect(answer.description.media[0].proto == "RTP/AVP")
    }

    @Test("RFC 4568 §5.1.1: junk a=crypto lines are ignored; SAVP with only junk is refused with the line quoted")
    func junkCrypto() throws {
        var offer = try SessionDescription(parsing: SoftphoneOffers.savpTwoSuites)
        offer.media[0].attributes.removeAll { $0.name == "crypto" }
        offer.media[0].attributes.append(SDPAttribute(name: "crypto", value: "x junk"))
        let error = #expect(throws: SDPError.self) {
            try SDPOfferAnswer.answer(offer: offer, policy: Self.policy, localMedia: Media().local, makeKey: Media().key)
        }
        #expect(error?.reason.hasPrefix("no usable SRTP crypto suite: a=crypto 'x junk' does not parse") == true)
        offer.media[0].attributes.removeAll { $0.name == "crypto" }
        let none = #expect(throws: SDPError.self) {
            try SDPOfferAnswer.answer(offer: offer, policy: Self.policy, localMedia: Media().local, makeKey: Media().key)
        }
        #expect(none?.reason == "RTP/SAVP needs a=crypto (SDES-SRTP, RFC 4568) and the offer has none")
    }

    @Test("localMedia returning nil refuses that line; makeKey returning nil refuses it before ports are taken")
    func resourceRefusals() throws {
        let offer = try SessionDescription(parsing: SoftphoneOffers.audioVideoAVPF)
        let answer = try SDPOfferAnswer.answer(
            offer: offer, policy: Self.policy, localMedia: { index, _ in index == 1 ? nil : SDPLocalMedia(port: 5000) },
            makeKey: { _ in nil })
        #expect(answer.media[1].rejectionReason == "no media port is available for this video stream")
        let savp = try SessionDescription(parsing: SoftphoneOffers.savpTwoSuites)
        var asked = 0
        let error = #expect(throws: SDPError.self) {
            try SDPOfferAnswer.answer(offer: savp, policy: Self.policy, localMedia: { _, _ in asked += 1; return SDPLocalMedia(port: 5000) }, makeKey: { _ in nil })
        }
        #expect(error?.reason == "could not make an SRTP key for AEAD_AES_256_GCM")
        #expect(asked == 0)
    }

    @Test("RFC 3264 §6: an offer whose streams are all disabled (port 0) or empty is not acceptable")
    func nothingToAccept() throws {
        var offer = try SessionDescription(parsing: SoftphoneOffers.baresip)
        offer.media[0].port = 0
        #expect(throws: SDPError(.notAcceptable, "")) {
            try SDPOfferAnswer.answer(offer: offer, policy: Self.policy, localMedia: Media().local, makeKey: Media().key)
        }
        offer.media = []
        let error = #expect(throws: SDPError.self) {
            try SDPOfferAnswer.answer(offer: offer, policy: Self.policy, localMedia: Media().local, makeKey: Media().key)
        }
        #expect(error?.reason == "the offer has no m= line")
    }

    @Test("an unsupported transport (TCP/RTP/AVP) is refused with the list of supported ones")
    func unsupportedProto() throws {
        var offer = try SessionDescription(parsing: SoftphoneOffers.baresip)
        offer.media[0].proto = "TCP/RTP/AVP"
        let error = #expect(throws: SDPError.self) {
            try SDPOfferAnswer.answer(offer: offer, policy: Self.policy, localMedia: Media().local, makeKey: Media().key)
        }
        #expect(error?.reason == "transport 'TCP/RTP/AVP' is not supported; Consort accepts RTP/AVP, RTP/AVPF, RTP/SAVP, RTP/SAVPF")
    }

    @Test("RFC 4566 §6: the offerer's a=maxptime reaches the media side (it decides the packet time sent)")
    func maxPacketTime() throws {
        #expect(try answer(SoftphoneOffers.webRTCWithCrypto).media[0].remoteMaxPacketTime == 60)
        #expect(try answer(SoftphoneOffers.baresip).media[0].remoteMaxPacketTime == nil)
        let tenMilliseconds = SoftphoneOffers.ciscoPCMUOnly.replacing("a=ptime:20", with: "a=ptime:10\na=maxptime:10")
        #expect(try answer(tenMilliseconds).media[0].remoteMaxPacketTime == 10)
    }
}

extension MediaDescription {
    var serializedLine: String { "\(type) \(port) \(proto) \(formats.joined(separator: " "))" }
}
