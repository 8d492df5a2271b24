import SDP
import Testing

/// Dial-out: Consort's offer and reading the answer to it (RFC 3264 §5, §6, §7).
@Suite("RFC 3264 offers for dial-out")
struct SDPOfferTests {
    static let policy = SDPAnswerPolicy(address: "192.0.2.10", sessionID: 555, sessionVersion: 1)

    @Test("§5: the audio offer lists Opus, PCMU, PCMA and telephone-event at 48000 and 8000 with rtpmaps")
    func audioOffer() throws {
        let offer = SDPOfferAnswer.offer(
            policy: Self.policy,
            options: SDPOfferOptions(audio: SDPLocalMedia(port: 40000, ssrc: 99, cname: "focus@consort")))
        let text = offer.serialized
        #expect(text.contains("m=audio 40000 RTP/AVP 111 0 8 110 101\r\n"))
        #expect(text.contains("a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1;stereo=0;sprop-stereo=0\r\n"))
        #expect(text.contains("a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"))
        #expect(text.contains("a=rtcp-mux\r\na=ssrc:99 cname:focus@consort\r\na=sendrecv\r\n"))
        #expect(offer.media.count == 1)
        #expect(try SessionDescription(parsing: text) == offer)
    }

    @Test("§5: video and SDES keys give RTP/SAVP audio and RTP/SAVPF video with one a=crypto per key")
    func secureVideoOffer() throws {
        let keys = [
            SDPOfferKey(suite: "AEAD_AES_256_GCM", keyParameters: "inline:R0NNS0VZ"),
            SDPOfferKey(suite: "AES_CM_128_HMAC_SHA1_80", keyParameters: "inline:Q01LRVk="),
        ]
        let offer = SDPOfferAnswer.offer(
            policy: Self.policy,
            options: SDPOfferOptions(audio: SDPLocalMedia(port: 40000), video: SDPLocalMedia(port: 40002), srtpKeys: keys))
        #expect(offer.media.map(\.proto) == ["RTP/SAVP", "RTP/SAVPF"])
        #expect(offer.media[1].formats == ["96", "97"])
        #expect(offer.media[0].cryptos == [
            SDPCrypto(tag: 1, suite: "AEAD_AES_256_GCM", keyParameters: "inline:R0NNS0VZ"),
            SDPCrypto(tag: 2, suite: "AES_CM_128_HMAC_SHA1_80", keyParameters: "inline:Q01LRVk="),
        ])
        #expect(offer.media[1].fmtpParameters(97)["packetization-mode"] == "1")
        #expect(offer.media[1].rtcpFeedback.count == 6)
    }

    @Test("§6-7: Consort answering Consort's offer agrees on Opus, GCM, VP8; the offerer reads the same choices back")
    func offerAnswerLoop() throws {
        let keys = [SDPOfferKey(suite: "AEAD_AES_256_GCM", keyParameters: "inline:T0ZGRVJFUg==")]
        let offer = SDPOfferAnswer.offer(
            policy: Self.policy,
            options: SDPOfferOptions(audio: SDPLocalMedia(port: 40000), video: SDPLocalMedia(port: 40002), srtpKeys: keys))
        let received = try SessionDescription(parsing: offer.serialized)
        let answerer = SDPAnswerPolicy(address: "198.51.100.9", sessionID: 9, sessionVersion: 1)
        let answer = try SDPOfferAnswer.answer(
            offer: received, policy: answerer, localMedia: { index, _ in SDPLocalMedia(port: 50000 + 2 * index) },
            makeKey: { _ in "inline:QU5TV0VSRVI=" })
        let agreed = try SDPOfferAnswer.negotiate(
            localOffer: offer, remoteAnswer: try SessionDescription(parsing: answer.description.serialized))
        #expect(agreed.map(\.codec) == ["opus", "VP8"])
        #expect(agreed[0].cryptoSuite == "AEAD_AES_256_GCM")
        #expect(agreed[0].localKeyParameters == "inline:T0ZGRVJFUg==" && agreed[0].remoteKeyParameters == "inline:QU5TV0VSRVI=")
        #expect(agreed[0].remoteAddress == "198.51.100.9" && agreed[0].remotePort == 50000 && agreed[0].rtcpMux)
        #expect(agreed[0].telephoneEventPayloadType == 110 && agreed[0].telephoneEventClockRate == 48000)
        #expect(agreed[0].extensionMaps.map(\.uri) == [SDPExtensionMap.audioLevelURI])
        #expect(agreed[1].rtcpFeedback.map(\.attributeValue) == ["96 nack", "96 nack pli", "96 ccm fir"])
        #expect(agreed.allSatisfy { $0.direction == .sendrecv })
    }

    @Test("§6: reading an answer — PCMU chosen, video refused with port 0, m= count mismatch is an error")
    func readingAnswers() throws {
        let offer = SDPOfferAnswer.offer(
            policy: Self.policy, options: SDPOfferOptions(audio: SDPLocalMedia(port: 40000), video: SDPLocalMedia(port: 40002)))
        let answer = try SessionDescription(parsing: """
            v=0
            o=- 1 1 IN IP4 10.0.0.7
            s=-
            c=IN IP4 10.0.0.7
            t=0 0
            m=audio 3456 RTP/AVP 0 101
            a=rtpmap:101 telephone-event/8000
            a=maxptime:10
            a=recvonly
            m=video 0 RTP/AVPF 96 97
            """)
        let agreed = try SDPOfferAnswer.negotiate(localOffer: offer, remoteAnswer: answer)
        #expect(agreed[0].codec == "PCMU" && agreed[0].telephoneEventPayloadType == 101 && agreed[0].direction == .sendonly)
        #expect(agreed[0].remoteMaxPacketTime == 10, "the answerer's maxptime reaches the media side")
        #expect(agreed[0].remoteRTCPPort == 3457 && !agreed[0].rtcpMux)
        #expect(!agreed[1].accepted && agreed[1].rejectionReason == "the answerer refused this stream (port 0)")
        // An answer that leaves a trailing stream out (instead of port 0) refuses that stream; one with more lines fails.
        var short = answer
        short.media.removeLast()
        let tolerated = try SDPOfferAnswer.negotiate(localOffer: offer, remoteAnswer: short)
        #expect(tolerated.count == 2 && tolerated[0].accepted && !tolerated[1].accepted)
        #expect(tolerated[1].rejectionReason == "the answer left this m= line out (taken as refused)")
        var long = answer
        long.media.append(answer.media[1])
        #expect(throws: SDPError(.answerMismatch, "")) { try SDPOfferAnswer.negotiate(localOffer: offer, remoteAnswer: long) }
    }
}
