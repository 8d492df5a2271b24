import AudioMixer
import Foundation
import Logging
import MCUControl
import MediaCore
import OpusCodec
import SDP
import SRTP
import Synchronization
import Testing
import TestSupport

/// The MCU against off-path attackers on loopback: 127.0.0.1 is the phone (and its SIP source), 127.0.0.2 and up stand
/// for other hosts (Linux routes all of 127/8 to lo).
@Suite("MCU media source trust", .serialized, .timeLimit(.minutes(1)))
struct MediaSourceTrustTests {
    static let silence = [UInt8](repeating: 0xFF, count: 160)

    func makeMCU(logger given: Logger? = nil, _ adjust: (inout MCUConfiguration) -> Void = { _ in }) throws -> EmbeddedMCU {
        var logger = given ?? Logger(label: "test")
        if given == nil { logger.logLevel = .warning }
        let base = freePort()
        var configuration = MCUConfiguration()
        configuration.rtpPorts = "\(base + 2)-\(base + 40)"
        configuration.bindAddress = "127.0.0.1"
        configuration.loops = 1
        adjust(&configuration)
        return try EmbeddedMCU(configuration: configuration, mixer: MixerConfiguration(), opus: OpusEncoderSettings(), logger: logger)
    }

    func offer(port: Int, host: String = "127.0.0.1", crypto: String? = nil, direction: String = "sendrecv") -> String {
        var sdp = "v=0\r\no=peer 1 1 IN IP4 \(host)\r\ns=-\r\nc=IN IP4 \(host)\r\nt=0 0\r\n"
        sdp += "m=audio \(port) \(crypto == nil ? "RTP/AVP" : "RTP/SAVP") 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\na=\(direction)\r\n"
        if let crypto { sdp += "a=crypto:1 AES_CM_128_HMAC_SHA1_80 \(crypto)\r\n" }
        return sdp
    }

    func endpoint(_ mcu: EmbeddedMCU, _ conference: ConferenceID, _ id: String) async -> EndpointStatistics? {
        await mcu.statistics(conference)?.endpoints.first { $0.endpoint == EndpointID(id) }
    }

    /// An RTCP SR with no report blocks (RFC 3550 §6.4.1), 28 bytes.
    func senderReport(ssrc: UInt32) -> [UInt8] {
        [0x80, 200, 0x00, 0x06, UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xFF), UInt8((ssrc >> 8) & 0xFF), UInt8(ssrc & 0xFF)]
            + [UInt8](repeating: 0, count: 20)
    }

    @Test("hijack: an attacker on another host that sends first never gets the mix; the phone at the SDP address does")
    func hijack() async throws {
        let mcu = try makeMCU()
        let conference = ConferenceID(tenant: "t", meeting: "hijack")
        try await mcu.addConference(conference)
        let phone = TestPeer(), attacker = TestPeer(host: "127.0.0.2")
        let answer = try await mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("victim"), offer: offer(port: phone.port), advertisedAddress: "127.0.0.1",
                signallingSource: "127.0.0.1"))
        let port = try #require(answer.media.first?.localPort)
        // The attacker floods the port in sequence with one SSRC before the phone says anything.
        for i in 0..<25 {
            attacker.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0xBAD, payload: Self.silence), to: port)
            attacker.send(senderReport(ssrc: 0xBAD), to: port)
            try await Task.sleep(for: .milliseconds(20))
        }
        for i in 0..<25 {
            phone.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x600D, payload: Self.silence), to: port)
            attacker.send(rtpPacket(seq: UInt16(25 + i), ts: UInt32((25 + i) * 160), ssrc: 0xBAD, payload: Self.silence), to: port)
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(100))
        let stats = try #require(await endpoint(mcu, conference, "victim"))
        let drops = try #require(stats.drops)
        await mcu.shutdown()
        #expect(attacker.drain().isEmpty, "the attacker received media")
        #expect(!phone.drain().isEmpty, "the phone received the mix")
        #expect(drops.wrongSource >= 70, "\(drops)")
        #expect(stats.packetsReceived >= 20 && stats.packetsReceived <= 25, "\(stats.packetsReceived)")
        #expect(stats.rtcpReceived == 0, "the attacker's RTCP was not taken")
    }

    @Test("NAT: the SDP names an address nobody answers; media from the INVITE's source IP is accepted only after probation")
    func natProbation() async throws {
        let mcu = try makeMCU { $0.probationPackets = 4 }
        let conference = ConferenceID(tenant: "t", meeting: "nat")
        try await mcu.addConference(conference)
        let phone = TestPeer(host: "127.0.0.3"), other = TestPeer(host: "127.0.0.4")
        let nowhere = freePort(udpAndTCP: false)  // the "private" address in the SDP: nobody listens there
        let answer = try await mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("natted"), offer: offer(port: nowhere), advertisedAddress: "127.0.0.1",
                signallingSource: "127.0.0.3"))
        let port = try #require(answer.media.first?.localPort)
        // Another host is never on probation at all.
        for i in 0..<10 {
            other.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x0E, payload: Self.silence), to: port)
        }
        for i in 0..<3 {
            phone.send(rtpPacket(seq: UInt16(100 + i), ts: UInt32(i * 160), ssrc: 0x4A7, payload: Self.silence), to: port)
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(100))
        let before = try #require(await endpoint(mcu, conference, "natted"))
        #expect(before.packetsReceived == 0)
        #expect(before.drops?.probation == 3, "\(String(describing: before.drops))")
        #expect(before.drops?.wrongSource == 10, "\(String(describing: before.drops))")
        _ = phone.drain()
        for i in 3..<30 {
            phone.send(rtpPacket(seq: UInt16(100 + i), ts: UInt32(i * 160), ssrc: 0x4A7, payload: Self.silence), to: port)
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(100))
        let after = try #require(await endpoint(mcu, conference, "natted"))
        await mcu.shutdown()
        #expect(after.packetsReceived == 27, "accepted from the 4th in-sequence packet on: \(after.packetsReceived)")
        #expect(!phone.drain().isEmpty, "the mix goes to the learned NAT address")
        #expect(other.drain().isEmpty)
    }

    @Test("SRTP: a packet that authenticates moves the stream to a new host; plain RTP from a new host does not")
    func srtpMovesPlainDoesNot() async throws {
        let mcu = try makeMCU()
        let conference = ConferenceID(tenant: "t", meeting: "move")
        try await mcu.addConference(conference)
        let key = try SRTPKeyMaterial.random(profile: .aesCM128HMACSHA1_80)
        let phone = TestPeer(), moved = TestPeer(host: "127.0.0.2")
        let answer = try await mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("s"), offer: offer(port: phone.port, crypto: key.inlineKeyParameter),
                advertisedAddress: "127.0.0.1", signallingSource: "127.0.0.1"))
        let port = try #require(answer.media.first?.localPort)
        let sender = try SRTPSession(keyMaterial: key, direction: .outbound)
        func send(_ i: Int, from peer: TestPeer) {
            var packet = rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x5EC, payload: Self.silence) + [UInt8](repeating: 0, count: 16)
            let length = packet.count - 16
            if case .ok(let n) = packet.withUnsafeMutableBytes({ sender.protectRTP($0, length: length) }) { peer.send(Array(packet[0..<n]), to: port) }
        }
        for i in 0..<15 {
            send(i, from: phone)
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(60))
        #expect(!phone.drain().isEmpty)
        for i in 15..<30 {
            send(i, from: moved)
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(60))
        _ = phone.drain()
        try await Task.sleep(for: .milliseconds(200))
        #expect(!moved.drain().isEmpty, "the authenticated stream moved")
        #expect(phone.drain().isEmpty, "nothing goes to the old address")
        await mcu.shutdown()

        // Plain RTP: the same move is refused.
        let plainMCU = try makeMCU()
        try await plainMCU.addConference(conference)
        let plainPhone = TestPeer(), plainMoved = TestPeer(host: "127.0.0.2")
        let plain = try await plainMCU.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("p"), offer: offer(port: plainPhone.port), advertisedAddress: "127.0.0.1",
                signallingSource: "127.0.0.1"))
        let plainPort = try #require(plain.media.first?.localPort)
        for i in 0..<15 {
            plainPhone.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x1, payload: Self.silence), to: plainPort)
            try await Task.sleep(for: .milliseconds(20))
        }
        for i in 15..<40 {
            plainMoved.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x1, payload: Self.silence), to: plainPort)
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(60))
        let stats = try #require(await endpoint(plainMCU, conference, "p"))
        await plainMCU.shutdown()
        #expect(plainMoved.drain().isEmpty, "a plain stream never moves to another IP")
        #expect(stats.drops?.wrongSource == 25, "\(String(describing: stats.drops))")
    }

    @Test("a re-INVITE naming a new address moves a plain stream: the old address is refused, the new one accepted at once")
    func signallingMovesTheStream() async throws {
        let mcu = try makeMCU()
        let conference = ConferenceID(tenant: "t", meeting: "reinvite")
        try await mcu.addConference(conference)
        let phone = TestPeer(), moved = TestPeer(host: "127.0.0.2")
        let answer = try await mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("r"), offer: offer(port: phone.port), advertisedAddress: "127.0.0.1",
                signallingSource: "127.0.0.1"))
        let port = try #require(answer.media.first?.localPort)
        for i in 0..<10 {
            phone.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x1, payload: Self.silence), to: port)
            try await Task.sleep(for: .milliseconds(20))
        }
        // A hold with c=0.0.0.0 is not a move.
        _ = try await mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: conference, endpoint: EndpointID("r"), offer: offer(port: phone.port, host: "0.0.0.0")))
        _ = try await mcu.modifyEndpoint(
            ModifyEndpointRequest(
                conference: conference, endpoint: EndpointID("r"), offer: offer(port: moved.port, host: "127.0.0.2"), advertisedAddress: "127.0.0.1"))
        _ = phone.drain()
        for i in 10..<25 {
            phone.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x1, payload: Self.silence), to: port)
            moved.send(rtpPacket(seq: UInt16(100 + i), ts: UInt32(i * 160), ssrc: 0x2, payload: Self.silence), to: port)
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(100))
        let stats = try #require(await endpoint(mcu, conference, "r"))
        await mcu.shutdown()
        #expect(stats.packetsReceived == 25, "\(stats.packetsReceived)")
        // The old address is still the SIP source's IP, so its packets are refused as another SSRC or on probation
        // (never accepted while the new source is live), not as a wrong source.
        #expect(stats.drops?.total == 15, "\(String(describing: stats.drops))")
        #expect(!moved.drain().isEmpty)
        #expect(phone.drain().isEmpty, "nothing goes to the old address after the move")
    }

    @Test("dial-out behind NAT: the callee's media from the IP its SIP went to is accepted after probation")
    func dialOutProbation() async throws {
        let mcu = try makeMCU { $0.probationPackets = 4 }
        let conference = ConferenceID(tenant: "t", meeting: "dial-nat")
        try await mcu.addConference(conference)
        let callee = TestPeer(host: "127.0.0.3"), other = TestPeer(host: "127.0.0.4")
        let made = try await mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID("callee"), offer: nil, advertisedAddress: "127.0.0.1"))
        let offer = try SessionDescription(parsing: made.answer)
        let port = try #require(offer.media.first?.port)
        let answer = DialOutTests().answer(to: offer, port: freePort(udpAndTCP: false))  // a "private" address nobody answers
        _ = try await mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: conference, endpoint: EndpointID("callee"), answer: answer, signallingSource: "127.0.0.3"))
        for i in 0..<20 {
            other.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x0E, payload: Self.silence), to: port)
            callee.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0xCA11, payload: Self.silence), to: port)
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(100))
        let stats = try #require(await endpoint(mcu, conference, "callee"))
        await mcu.shutdown()
        #expect(stats.packetsReceived == 17, "\(stats.packetsReceived)")
        #expect(stats.drops?.probation == 3 && stats.drops?.wrongSource == 20, "\(String(describing: stats.drops))")
        #expect(!callee.drain().isEmpty)
        #expect(other.drain().isEmpty)
    }

    @Test("video obeys the same rule: video from another host is dropped as wrong source, the phone's is taken")
    func videoSource() async throws {
        let mcu = try makeMCU()
        let conference = ConferenceID(tenant: "t", meeting: "video")
        try await mcu.addConference(conference)
        let phone = TestPeer(), attacker = TestPeer(host: "127.0.0.2")
        let rules = VideoRulesTests()
        let answer = try await mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("v"), offer: rules.offer(audio: phone.port, video: phone.port, direction: "sendrecv"),
                advertisedAddress: "127.0.0.1", signallingSource: "127.0.0.1"))
        let videoPort = try #require(answer.media.first { $0.type == "video" }?.localPort)
        for i in 0..<10 {
            attacker.send(rules.vp8(seq: UInt16(i), ts: UInt32(i * 3_000), ssrc: 0xBAD, key: i == 0), to: videoPort)
            attacker.send(senderReport(ssrc: 0xBAD), to: videoPort)
            try await Task.sleep(for: .milliseconds(10))
        }
        for i in 0..<10 {
            phone.send(rules.vp8(seq: UInt16(i), ts: UInt32(i * 3_000), ssrc: 0x600D, key: i == 0), to: videoPort)
            try await Task.sleep(for: .milliseconds(10))
        }
        try await Task.sleep(for: .milliseconds(100))
        let stats = try #require(await endpoint(mcu, conference, "v"))
        await mcu.shutdown()
        #expect(stats.videoPacketsReceived == 10, "\(stats.videoPacketsReceived)")
        #expect(stats.drops?.wrongSource == 20, "\(String(describing: stats.drops))")
        #expect(attacker.drain().isEmpty)
    }

    @Test("logging: a learned source and refused packets at debug once a second, a wrong-source flood at notice once a minute")
    func rateLimitedLogging() async throws {
        let recorder = LogRecorder()
        var logger = Logger(label: "test") { _ in recorder }
        logger.logLevel = .debug
        let mcu = try makeMCU(logger: logger)
        let conference = ConferenceID(tenant: "t", meeting: "logs")
        try await mcu.addConference(conference)
        let phone = TestPeer(), attacker = TestPeer(host: "127.0.0.2")
        let answer = try await mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID("l"), offer: offer(port: phone.port), advertisedAddress: "127.0.0.1"))
        let port = try #require(answer.media.first?.localPort)
        for i in 0..<125 {  // 2.5 s, 10 refused packets a tick
            phone.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x1, payload: Self.silence), to: port)
            for _ in 0..<10 { attacker.send(rtpPacket(seq: UInt16(i), ts: 0, ssrc: 0xBAD, payload: Self.silence), to: port) }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(100))
        await mcu.shutdown()
        let records = recorder.all
        let learned = records.filter { $0.message == "media source learned" }
        let refused = records.filter { $0.message.hasPrefix("media from a source") }
        let notices = records.filter { $0.level == .notice && $0.message.hasPrefix("media from sources") }
        #expect(learned.count == 1 && learned.first?.level == .debug, "\(learned.map(\.metadata))")
        #expect((1...3).contains(refused.count) && refused.allSatisfy { $0.level == .debug }, "\(refused.count)")
        #expect(refused.first?.metadata["source"] == "127.0.0.2:\(attacker.port)")
        #expect(notices.count == 1, "\(notices.map(\.metadata))")
    }
}
