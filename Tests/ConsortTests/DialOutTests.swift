import Foundation
import MCUControl
import MediaCore
import SDP
import SRTP
import Testing
import TestSupport

/// Dial-out: `addEndpoint` without an offer gives the MCU's offer; media starts with the remote answer. On manual ticks.
@Suite("MCU dial-out", .serialized, .timeLimit(.minutes(1)))
struct DialOutTests {
    /// A PCMU answer to the MCU's offer from a peer at `host` (a video line, if offered, refused with port 0).
    func answer(to offer: SessionDescription, port: Int, crypto: String? = nil, host: String = ManualMediaRig.phoneHost) -> String {
        var sdp = "v=0\r\no=callee 7 1 IN IP4 \(host)\r\ns=-\r\nc=IN IP4 \(host)\r\nt=0 0\r\n"
        sdp += "m=audio \(port) \(crypto == nil ? "RTP/AVP" : "RTP/SAVP") 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
        sdp += "a=fmtp:101 0-16\r\na=rtcp-mux\r\n"
        if let crypto { sdp += "a=crypto:\(crypto)\r\n" }
        for section in offer.media.dropFirst() { sdp += "m=\(section.type) 0 \(section.proto) \(section.formats[0])\r\n" }
        return sdp
    }

    @Test("the offer lists Opus, PCMU, PCMA and telephone-event; nothing is sent before the answer; then media flows both ways")
    func plainDialOut() async throws {
        let bed = try await MCUTestBed(meeting: "dialout")
        let member = try await bed.join("member")
        let callee = try bed.phone()
        let response = try await bed.mcu.addEndpoint(
            AddEndpointRequest(conference: bed.conference, endpoint: EndpointID("callee"), offer: nil, advertisedAddress: "127.0.0.1"))
        let offer = try SessionDescription(parsing: response.answer)
        let audio = try #require(offer.media.first)
        #expect(audio.type == "audio" && audio.proto == "RTP/AVP" && audio.cryptos.isEmpty)
        #expect(audio.payloadTypes == [111, 0, 8, 110, 101])
        #expect(audio.rtpMaps.map { "\($0.encodingName)/\($0.clockRate)" } == [
            "opus/48000", "PCMU/8000", "PCMA/8000", "telephone-event/48000", "telephone-event/8000",
        ])
        #expect(offer.media.count == 2 && offer.media[1].type == "video", "video is offered when the policy allows it")
        #expect(offer.connection?.address == "127.0.0.1")
        let port = audio.port
        #expect(response.media.first?.localPort == port)

        // Before the answer: the callee's packets to the offered port bring nothing back, and the mix goes nowhere.
        let calleePeer = MCUTestPeer(name: "callee", rig: bed.rig, phone: callee, mcuPort: port, ssrc: 0xCA11)
        calleePeer.tone = 440
        member.tone = 1_000
        bed.exchange([calleePeer, member], seconds: 0.5)
        #expect(calleePeer.packets == 0, "no RTP before the answer")
        #expect(await bed.mcu.statistics(bed.conference)?.endpoints.count == 1, "not in the conference before the answer")

        let applied = try await bed.mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: bed.conference, endpoint: EndpointID("callee"), answer: answer(to: offer, port: callee.port)))
        #expect(applied?.media.first?.codec == "PCMU" && applied?.media.first?.localPort == port)
        #expect(applied?.media.count == 2 && applied?.media[1].accepted == false)
        calleePeer.reset()
        member.reset()
        bed.exchange([calleePeer, member], seconds: 1.6)
        let again = await #expect(throws: MCUControlError.self) {
            _ = try await bed.mcu.modifyEndpoint(
                ModifyEndpointRequest(conference: bed.conference, endpoint: EndpointID("callee"), answer: answer(to: offer, port: callee.port)))
        }
        #expect(again?.code == .notAcceptable, "a second answer to the same offer")
        await bed.stop()

        let tones: [Double] = [440, 1_000]
        let heard = (callee: calleePeer.levels(tones), member: member.levels(tones))
        print("callee \(heard.callee)\nmember \(heard.member)")
        #expect(heard.callee.hears(1_000) && heard.callee.lacks(440), "\(heard.callee)")
        #expect(heard.member.hears(440) && heard.member.lacks(1_000), "\(heard.member)")
    }

    @Test("without plain RTP the offer is RTP/SAVP with SDES keys; the answer's chosen key protects both directions")
    func secureDialOut() async throws {
        let bed = try await MCUTestBed(meeting: "dialout-srtp")
        let callee = try bed.phone()
        let response = try await bed.mcu.addEndpoint(
            AddEndpointRequest(
                conference: bed.conference, endpoint: EndpointID("callee"), offer: nil, advertisedAddress: "127.0.0.1",
                policy: EndpointPolicy(allowVideo: false, allowPlainRTP: false), mode: .isolated))
        let offer = try SessionDescription(parsing: response.answer)
        #expect(offer.media.count == 1, "no video line when video is not allowed")
        let audio = try #require(offer.media.first)
        #expect(audio.proto == "RTP/SAVP")
        #expect(audio.cryptos.map(\.suite) == SDPAnswerPolicy.defaultCryptoSuites)
        let offered = try #require(audio.cryptos.first { $0.suite == "AES_CM_128_HMAC_SHA1_80" })
        let theirs = try SRTPKeyMaterial.random(profile: .aesCM128HMACSHA1_80)
        let sdp = answer(to: offer, port: callee.port, crypto: "\(offered.tag) AES_CM_128_HMAC_SHA1_80 \(theirs.inlineKeyParameter)")
        let applied = try await bed.mcu.modifyEndpoint(ModifyEndpointRequest(conference: bed.conference, endpoint: EndpointID("callee"), answer: sdp))
        #expect(applied?.media.first?.cryptoSuite == "AES_CM_128_HMAC_SHA1_80")
        // Isolated, it is sent only its announcement: a tone, protected with the key the MCU offered under that tag.
        let prompt = try bed.toneFile("tone.wav", frequency: 1_000, seconds: 2)
        try await bed.mcu.playAnnouncement(AnnouncementRequest(conference: bed.conference, endpoint: EndpointID("callee"), prompt: prompt))
        let sender = try SRTPSession(keyMaterial: theirs, direction: .outbound)
        bed.rig.tick(40) { i in
            var packet = rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x5EC, payload: [UInt8](repeating: 0xFF, count: 160))
                + [UInt8](repeating: 0, count: 16)
            let length = packet.count - 16
            if case .ok(let n) = packet.withUnsafeMutableBytes({ sender.protectRTP($0, length: length) }) {
                bed.rig.send(Array(packet[0..<n]), from: callee, to: audio.port)
            }
        }
        let receiver = try SRTPSession(
            keyMaterial: try SRTPKeyMaterial(profile: .aesCM128HMACSHA1_80, inline: offered.keyParameters), direction: .inbound)
        var authenticated = 0
        for var packet in bed.rig.drain(callee) where packet.count > 12 && packet[1] & 0x7F == 0 {
            let length = packet.count
            if case .ok = packet.withUnsafeMutableBytes({ receiver.unprotectRTP($0, length: length) }) { authenticated += 1 }
        }
        let stats = await bed.mcu.statistics(bed.conference)?.endpoints.first
        await bed.stop()
        #expect(authenticated == 40, "packets that authenticate with the offered key, one a tick: \(authenticated)")
        #expect(stats?.packetsReceived == 40 && stats?.srtpFailures == 0, "\(String(describing: stats))")
        #expect(stats?.mode == .isolated)
    }

    @Test("an answer for an endpoint that made no offer, or both an offer and an answer, is refused; removing a waiting offer frees its ports")
    func misuse() async throws {
        let bed = try await MCUTestBed(meeting: "dialout-misuse")
        let member = try await bed.join("member")
        let free = await bed.mcu.load().freePorts
        let response = try await bed.mcu.addEndpoint(
            AddEndpointRequest(conference: bed.conference, endpoint: EndpointID("callee"), offer: nil, advertisedAddress: "127.0.0.1"))
        #expect(await bed.mcu.load().freePorts == free - 2, "audio and video pairs held while the offer waits")
        let offer = try SessionDescription(parsing: response.answer)
        let notWaiting = await #expect(throws: MCUControlError.self) {
            _ = try await bed.mcu.modifyEndpoint(
                ModifyEndpointRequest(conference: bed.conference, endpoint: member.endpoint, answer: answer(to: offer, port: 5_000)))
        }
        #expect(notWaiting?.code == .notAcceptable)
        let both = await #expect(throws: MCUControlError.self) {
            _ = try await bed.mcu.modifyEndpoint(
                ModifyEndpointRequest(conference: bed.conference, endpoint: EndpointID("callee"), offer: "v=0", answer: "v=0"))
        }
        #expect(both?.code == .notAcceptable)
        let garbage = await #expect(throws: MCUControlError.self) {
            _ = try await bed.mcu.modifyEndpoint(ModifyEndpointRequest(conference: bed.conference, endpoint: EndpointID("callee"), answer: "not sdp"))
        }
        #expect(garbage?.code == .notAcceptable)
        // Mode and mute may be set while the offer waits.
        _ = try await bed.mcu.modifyEndpoint(ModifyEndpointRequest(conference: bed.conference, endpoint: EndpointID("callee"), muted: true, mode: .isolated))
        await bed.mcu.removeEndpoint(bed.conference, EndpointID("callee"))
        #expect(await bed.mcu.load().freePorts == free)
        await bed.stop()
    }
}
