import SDP
import Testing

@Suite("RFC 8866 parsing and serialisation")
struct SessionDescriptionParsingTests {
    @Test("§5: the session fields of a baresip offer parse into the model")
    func sessionFields() throws {
        let description = try SessionDescription(parsing: SoftphoneOffers.crlf(SoftphoneOffers.baresip))
        #expect(description.version == 0)
        #expect(description.origin == SDPOrigin(
            username: "-", sessionID: 1_227_283_475, sessionVersion: 1_698_271_733, address: "192.168.1.20"))
        #expect(description.sessionName == "-")
        #expect(description.connection == SDPConnection(address: "192.168.1.20"))
        #expect(description.timing == ["0 0"])
        #expect(description.media.count == 1)
        let audio = description.media[0]
        #expect(audio.type == "audio" && audio.port == 20388 && audio.portCount == nil && audio.proto == "RTP/AVP")
        #expect(audio.formats == ["96", "9", "0", "8", "101"])
        #expect(audio.bandwidths == [SDPBandwidth(type: "AS", value: 128)])
        #expect(audio.attributes.contains(SDPAttribute(name: "label", value: "1")))
    }

    @Test("§6.6 rtpmap, §6.15 fmtp and RFC 3551 static payload types")
    func rtpMapsAndFormatParameters() throws {
        let audio = try SessionDescription(parsing: SoftphoneOffers.baresip).media[0]
        #expect(audio.rtpMaps.first == SDPRTPMap(payloadType: 96, encodingName: "opus", clockRate: 48000, channels: 2))
        #expect(audio.formatParameters(96) == "stereo=1;sprop-stereo=1")
        #expect(audio.fmtpParameters(96) == ["stereo": "1", "sprop-stereo": "1"])
        #expect(audio.fmtpParameters(101) == ["0-15": ""])
        #expect(audio.formatParameters(0) == nil)
        let cisco = try SessionDescription(parsing: SoftphoneOffers.h264OnlyAVP).media[0]
        #expect(cisco.rtpMaps.isEmpty)
        #expect(cisco.rtpMap(8) == SDPRTPMap(payloadType: 8, encodingName: "PCMA", clockRate: 8000))
        #expect(cisco.rtpMap(96) == nil)
    }

    @Test("§6.7 direction: media attribute, else session attribute, else sendrecv")
    func directionResolution() throws {
        let sendonly = try SessionDescription(parsing: SoftphoneOffers.holdSendonly)
        #expect(sendonly.direction(of: sendonly.media[0]) == .sendonly)
        let inactive = try SessionDescription(parsing: SoftphoneOffers.holdInactive)
        #expect(inactive.media[0].explicitDirection == nil)
        #expect(inactive.media[0].direction == .sendrecv)
        #expect(inactive.direction(of: inactive.media[0]) == .inactive)
        let polycom = try SessionDescription(parsing: SoftphoneOffers.polycom)
        #expect(polycom.direction(of: polycom.media[0]) == .sendrecv)
        #expect(SDPDirection.sendonly.reversed == .recvonly && SDPDirection.recvonly.reversed == .sendonly)
        #expect(SDPDirection.inactive.reversed == .inactive && SDPDirection.sendrecv.reversed == .sendrecv)
    }

    @Test("RFC 3605 a=rtcp, RFC 5761 rtcp-mux, RFC 8285 extmap, RFC 4568 crypto, RFC 5576 ssrc, RFC 5888 mid")
    func typedMediaAttributes() throws {
        let description = try SessionDescription(parsing: SoftphoneOffers.webRTCWithCrypto)
        let audio = description.media[0]
        #expect(description.origin.sessionID == 4_611_731_400_430_051_336)
        let rtcp = try #require(audio.rtcp)
        #expect(rtcp.port == 49204 && rtcp.connection == SDPConnection(address: "203.0.113.7"))
        #expect(audio.rtcpMux)
        #expect(audio.extensionMaps == [
            SDPExtensionMap(id: 1, uri: SDPExtensionMap.audioLevelURI),
            SDPExtensionMap(id: 3, uri: "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"),
        ])
        #expect(audio.cryptos == [SDPCrypto(
            tag: 1, suite: "AES_CM_128_HMAC_SHA1_80", keyParameters: "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^31")])
        #expect(audio.ssrcs == [
            SDPSSRC(ssrc: 3_735_928_559, attribute: "cname", value: "4TOk42mSjXCkVIa6"),
            SDPSSRC(ssrc: 3_735_928_559, attribute: "msid", value: "stream audio0"),
        ])
        #expect(audio.mid == "audio")
        #expect(audio.rtcpFeedback == [SDPRTCPFeedback(payloadType: 111, type: "transport-cc")])
        #expect(audio.maxptime == 60 && audio.ptime == nil)
        #expect(!audio.isDTLS)
        #expect(description.attribute("group")?.value == "BUNDLE audio")
    }

    @Test("RFC 4585 rtcp-fb with '*' and parameters; RFC 8285 extmap direction and attributes")
    func feedbackAndExtensionDetails() throws {
        let description = try SessionDescription(parsing: SoftphoneOffers.audioVideoAVPF)
        #expect(description.media[0].extensionMaps == [
            SDPExtensionMap(id: 2, direction: .sendrecv, uri: SDPExtensionMap.audioLevelURI, attributes: "vad=on")
        ])
        let video = description.media[1]
        #expect(video.rtcpFeedback.first == SDPRTCPFeedback(payloadType: nil, type: "nack"))
        #expect(video.rtcpFeedback.contains(SDPRTCPFeedback(payloadType: 97, type: "ccm", parameter: "fir")))
        #expect(video.bandwidths == [SDPBandwidth(type: "AS", value: 1500)])
        let linphone = try SessionDescription(parsing: SoftphoneOffers.linphone)
        #expect(linphone.media[0].rtcpFeedback.contains(SDPRTCPFeedback(payloadType: nil, type: "ccm", parameter: "tmmbr")))
    }

    @Test("RFC 5763: UDP/TLS proto, a=fingerprint and a=setup mark DTLS-SRTP")
    func dtlsDetection() throws {
        let description = try SessionDescription(parsing: SoftphoneOffers.dtlsOnly)
        #expect(description.media[0].isDTLS)
        #expect(description.isDTLS(description.media[0]))
        #expect(description.origin.sessionID == 6_789_012_345_678_901_234)
        #expect(description.media[0].rtpMap(9)?.channels == 1)
    }

    @Test("parse(serialize(x)) == x for every softphone offer, with CRLF output in RFC 8866 order")
    func roundTrip() throws {
        for (name, body) in SoftphoneOffers.all {
            let parsed = try SessionDescription(parsing: body)
            let text = parsed.serialized
            #expect(text.hasPrefix("v=0\r\no="), "\(name)")
            #expect(!text.replacingCRLF.contains("\r"), "\(name): a bare CR")
            #expect(try SessionDescription(parsing: text) == parsed, "\(name)")
            #expect(try SessionDescription(parsing: Array(text.utf8)) == parsed, "\(name)")
        }
    }

    @Test("§5 order: i=, u=, e=, p= after s=; r= and z= after t=; k= before a=; unknown lines kept")
    func otherLinesKeepTheirPlace() throws {
        let body = """
            v=0
            o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1
            s=Call to John Smith
            k=prompt
            i=SDP Offer #1
            u=http://www.jdoe.example.com/home.html
            e=Jane Doe <jane@jdoe.example.com>
            p=+1 617 555-6011
            c=IN IP4 198.51.100.1
            t=0 0
            r=7d 1h 0 25h
            x=experimental
            a=recvonly
            m=audio 49170 RTP/AVP 0
            k=clear:secret
            i=the voice
            c=IN IP4 198.51.100.1
            c=IN IP4 198.51.100.2
            m=video 51372/2 RTP/AVP 99
            a=rtpmap:99 h263-1998/90000
            """
        let parsed = try SessionDescription(parsing: body)
        #expect(parsed.otherLines.map(\.type) == ["i", "u", "e", "p", "r", "k", "x"])
        #expect(parsed.media[0].otherLines.map(\.type) == ["i", "c", "k"])
        #expect(parsed.media[0].connection?.address == "198.51.100.1")
        #expect(parsed.media[1].portCount == 2)
        let lines = parsed.serialized.split(separator: "\r\n").map { String($0.prefix(2)) }
        #expect(lines == ["v=", "o=", "s=", "i=", "u=", "e=", "p=", "c=", "t=", "r=", "k=", "x=", "a=",
                          "m=", "i=", "c=", "c=", "k=", "m=", "a="])
        #expect(try SessionDescription(parsing: parsed.serialized) == parsed)
    }

    @Test("tolerance: LF-only, CR-only, trailing whitespace, blank lines and a missing t= are accepted")
    func sloppyButSafe() throws {
        let crlf = try SessionDescription(parsing: SoftphoneOffers.crlf(SoftphoneOffers.ciscoPCMUOnly))
        let lf = try SessionDescription(parsing: SoftphoneOffers.ciscoPCMUOnly)
        let cr = try SessionDescription(parsing: SoftphoneOffers.ciscoPCMUOnly.replacing("\n", with: "\r"))
        let padded = try SessionDescription(parsing: SoftphoneOffers.ciscoPCMUOnly.replacing("\n", with: "  \t\n\n"))
        #expect(crlf == lf && lf == cr && cr == padded)
        let noTiming = try SessionDescription(parsing: "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nm=audio 4000 RTP/AVP 0\n")
        #expect(noTiming.timing == ["0 0"])
    }

    @Test("a built description serialises to the expected text")
    func serialiseBuilt() {
        var audio = MediaDescription(type: "audio", port: 4000, proto: "RTP/AVP", formats: ["0"])
        audio.direction = .sendonly
        audio.direction = .recvonly
        let description = SessionDescription(
            origin: SDPOrigin(sessionID: 1, sessionVersion: 2, address: "192.0.2.1"),
            connection: SDPConnection(address: "192.0.2.1"), media: [audio])
        #expect(description.serialized == "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=recvonly\r\n")
    }
}

extension String {
    var replacingCRLF: String { replacing("\r\n", with: "\n") }
}
