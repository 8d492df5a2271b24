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

/// The MCU against off-path attackers. The hijack test runs on real loopback sockets: 127.0.0.1 is the phone (and its SIP
/// source), 127.0.0.2 another host (Linux routes all of 127/8 to lo). The others run on manual ticks with memory ports,
/// where the phone is at ``ManualMediaRig/phoneHost`` and 127.0.0.2 and up stand for other hosts just the same.
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

    // Real sockets: the source addresses here are the kernel's, not a memory network's.
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
        let rig = try ManualMediaRig { $0.probationPackets = 4 }
        let conference = ConferenceID(tenant: "t", meeting: "nat")
        try await rig.mcu.addConference(conference)
        let phone = try #require(rig.phone(host: "127.0.0.3")), other = try #require(rig.phone(host: "127.0.0.4"))
        // The SDP names the phone's private address, which nobody answers.
        let answer = try await rig.mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("natted"), offer: offer(port: 4_000, host: "10.0.0.5"), advertisedAddress: "127.0.0.1",
                signallingSource: "127.0.0.3"))
        let port = try #require(answer.media.first?.localPort)
        // Another host is never on probation at all.
        for i in 0..<10 {
            rig.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x0E, payload: Self.silence), from: other, to: port)
        }
        rig.tick(3) { i in
            rig.send(rtpPacket(seq: UInt16(100 + i), ts: UInt32(i * 160), ssrc: 0x4A7, payload: Self.silence), from: phone, to: port)
        }
        let before = try #require(await endpoint(rig.mcu, conference, "natted"))
        #expect(before.packetsReceived == 0)
        #expect(before.drops?.probation == 3, "\(String(describing: before.drops))")
        #expect(before.drops?.wrongSource == 10, "\(String(describing: before.drops))")
        #expect(rig.drain(phone).isEmpty, "nothing goes to the NAT address while it is on probation")
        rig.tick(27) { i in
            rig.send(rtpPacket(seq: UInt16(103 + i), ts: UInt32((3 + i) * 160), ssrc: 0x4A7, payload: Self.silence), from: phone, to: port)
        }
        let after = try #require(await endpoint(rig.mcu, conference, "natted"))
        let mix = ManualMediaRig.rtp(rig.drain(phone)).count
        let leaked = rig.drain(other).count
        await rig.shutdown()
        #expect(after.packetsReceived == 27, "accepted from the 4th in-sequence packet on: \(after.packetsReceived)")
        #expect(mix == 27, "the mix goes to the learned NAT address from the tick it was learned: \(mix)")
        #expect(leaked == 0)
    }

    @Test("SRTP: a packet that authenticates moves the stream to a new host; plain RTP from a new host does not")
    func srtpMovesPlainDoesNot() async throws {
        let rig = try ManualMediaRig()
        let conference = ConferenceID(tenant: "t", meeting: "move")
        try await rig.mcu.addConference(conference)
        let key = try SRTPKeyMaterial.random(profile: .aesCM128HMACSHA1_80)
        let phone = try #require(rig.phone()), moved = try #require(rig.phone(host: "127.0.0.2"))
        let answer = try await rig.mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("s"),
                offer: offer(port: phone.port, host: ManualMediaRig.phoneHost, crypto: key.inlineKeyParameter), advertisedAddress: "127.0.0.1",
                signallingSource: ManualMediaRig.phoneHost))
        let port = try #require(answer.media.first?.localPort)
        let sender = try SRTPSession(keyMaterial: key, direction: .outbound)
        func send(_ i: Int, from phone: MemoryDatagramPort) {
            var packet = rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x5EC, payload: Self.silence) + [UInt8](repeating: 0, count: 16)
            let length = packet.count - 16
            if case .ok(let n) = packet.withUnsafeMutableBytes({ sender.protectRTP($0, length: length) }) {
                rig.send(Array(packet[0..<n]), from: phone, to: port)
            }
        }
        rig.tick(15) { send($0, from: phone) }
        let beforeMove = ManualMediaRig.rtp(rig.drain(phone)).count
        rig.tick(15) { send(15 + $0, from: moved) }
        let toMoved = ManualMediaRig.rtp(rig.drain(moved)).count
        let toOld = rig.drain(phone).count
        #expect(beforeMove == 15, "the mix went to the phone: \(beforeMove)")
        #expect(toMoved == 15, "the authenticated stream moved with its first packet from the new host: \(toMoved)")
        #expect(toOld == 0, "nothing goes to the old address: \(toOld)")

        // Plain RTP: the same move is refused.
        let plainConference = ConferenceID(tenant: "t", meeting: "move-plain")
        try await rig.mcu.addConference(plainConference)
        let plainPhone = try #require(rig.phone()), plainMoved = try #require(rig.phone(host: "127.0.0.2"))
        let plain = try await rig.mcu.addEndpoint(
            AddEndpointRequest(
                conference: plainConference, endpoint: EndpointID("p"), offer: offer(port: plainPhone.port, host: ManualMediaRig.phoneHost),
                advertisedAddress: "127.0.0.1", signallingSource: ManualMediaRig.phoneHost))
        let plainPort = try #require(plain.media.first?.localPort)
        rig.tick(40) { i in
            let packet = rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x1, payload: Self.silence)
            rig.send(packet, from: i < 15 ? plainPhone : plainMoved, to: plainPort)
        }
        let stats = try #require(await endpoint(rig.mcu, plainConference, "p"))
        let plainToMoved = rig.drain(plainMoved).count
        let plainToPhone = ManualMediaRig.rtp(rig.drain(plainPhone)).count
        await rig.shutdown()
        #expect(plainToMoved == 0, "a plain stream never moves to another IP")
        #expect(plainToPhone == 40, "the mix stays with the phone: \(plainToPhone)")
        #expect(stats.drops?.wrongSource == 25, "\(String(describing: stats.drops))")
    }

    @Test("a re-INVITE naming a new address moves a plain stream: the old address is refused, the new one accepted at once")
    func signallingMovesTheStream() async throws {
        let rig = try ManualMediaRig()
        let conference = ConferenceID(tenant: "t", meeting: "reinvite")
        try await rig.mcu.addConference(conference)
        let phone = try #require(rig.phone()), moved = try #require(rig.phone(host: "127.0.0.2"))
        let answer = try await rig.mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("r"), offer: offer(port: phone.port, host: ManualMediaRig.phoneHost),
                advertisedAddress: "127.0.0.1", signallingSource: ManualMediaRig.phoneHost))
        let port = try #require(answer.media.first?.localPort)
        rig.tick(10) { i in rig.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x1, payload: Self.silence), from: phone, to: port) }
        // A hold with c=0.0.0.0 is not a move.
        _ = try await rig.mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: conference, endpoint: EndpointID("r"), offer: offer(port: phone.port, host: "0.0.0.0")))
        _ = try await rig.mcu.modifyEndpoint(
            ModifyEndpointRequest(
                conference: conference, endpoint: EndpointID("r"), offer: offer(port: moved.port, host: "127.0.0.2"), advertisedAddress: "127.0.0.1"))
        _ = rig.drain(phone)
        rig.tick(15) { j in
            let i = 10 + j
            rig.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x1, payload: Self.silence), from: phone, to: port)
            rig.send(rtpPacket(seq: UInt16(100 + i), ts: UInt32(i * 160), ssrc: 0x2, payload: Self.silence), from: moved, to: port)
        }
        let stats = try #require(await endpoint(rig.mcu, conference, "r"))
        let toMoved = ManualMediaRig.rtp(rig.drain(moved)).count
        let toOld = rig.drain(phone).count
        await rig.shutdown()
        #expect(stats.packetsReceived == 25, "\(stats.packetsReceived)")
        // The old address is still the SIP source's IP, so its packets are refused as another SSRC or on probation
        // (never accepted while the new source is live), not as a wrong source.
        #expect(stats.drops?.total == 15, "\(String(describing: stats.drops))")
        #expect(toMoved == 15, "the mix goes to the new address from the first tick after the re-INVITE: \(toMoved)")
        #expect(toOld == 0, "nothing goes to the old address after the move: \(toOld)")
    }

    @Test("dial-out behind NAT: the callee's media from the IP its SIP went to is accepted after probation")
    func dialOutProbation() async throws {
        let rig = try ManualMediaRig { $0.probationPackets = 4 }
        let conference = ConferenceID(tenant: "t", meeting: "dial-nat")
        try await rig.mcu.addConference(conference)
        let callee = try #require(rig.phone(host: "127.0.0.3")), other = try #require(rig.phone(host: "127.0.0.4"))
        let made = try await rig.mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID("callee"), offer: nil, advertisedAddress: "127.0.0.1"))
        let offer = try SessionDescription(parsing: made.answer)
        let port = try #require(offer.media.first?.port)
        let answer = DialOutTests().answer(to: offer, port: rig.unusedPort())  // a "private" address nobody answers
        _ = try await rig.mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: conference, endpoint: EndpointID("callee"), answer: answer, signallingSource: "127.0.0.3"))
        rig.tick(20) { i in
            rig.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x0E, payload: Self.silence), from: other, to: port)
            rig.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0xCA11, payload: Self.silence), from: callee, to: port)
        }
        let stats = try #require(await endpoint(rig.mcu, conference, "callee"))
        let mix = ManualMediaRig.rtp(rig.drain(callee)).count
        let leaked = rig.drain(other).count
        await rig.shutdown()
        #expect(stats.packetsReceived == 17, "\(stats.packetsReceived)")
        #expect(stats.drops?.probation == 3 && stats.drops?.wrongSource == 20, "\(String(describing: stats.drops))")
        #expect(mix == 17, "the mix goes to the callee from the tick its address was learned: \(mix)")
        #expect(leaked == 0)
    }

    @Test("video obeys the same rule: video from another host is dropped as wrong source, the phone's is taken")
    func videoSource() async throws {
        let rig = try ManualMediaRig()
        let conference = ConferenceID(tenant: "t", meeting: "video")
        try await rig.mcu.addConference(conference)
        let phone = try #require(rig.phone()), attacker = try #require(rig.phone(host: "127.0.0.2"))
        let rules = VideoRulesTests()
        let answer = try await rig.mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("v"), offer: rules.offer(audio: phone.port, video: phone.port, direction: "sendrecv"),
                advertisedAddress: "127.0.0.1", signallingSource: ManualMediaRig.phoneHost))
        let videoPort = try #require(answer.media.first { $0.type == "video" }?.localPort)
        rig.tick(10) { i in
            rig.send(rules.vp8(seq: UInt16(i), ts: UInt32(i * 3_000), ssrc: 0xBAD, key: i == 0), from: attacker, to: videoPort)
            rig.send(senderReport(ssrc: 0xBAD), from: attacker, to: videoPort)
        }
        rig.tick(10) { i in
            rig.send(rules.vp8(seq: UInt16(i), ts: UInt32(i * 3_000), ssrc: 0x600D, key: i == 0), from: phone, to: videoPort)
        }
        let stats = try #require(await endpoint(rig.mcu, conference, "v"))
        let leaked = rig.drain(attacker).count
        await rig.shutdown()
        #expect(stats.videoPacketsReceived == 10, "\(stats.videoPacketsReceived)")
        #expect(stats.drops?.wrongSource == 20, "\(String(describing: stats.drops))")
        #expect(leaked == 0)
    }

    @Test("logging: a learned source and refused packets at debug once a second, a wrong-source flood at notice once a minute")
    func rateLimitedLogging() async throws {
        let recorder = LogRecorder()
        var logger = Logger(label: "test") { _ in recorder }
        logger.logLevel = .debug
        let rig = try ManualMediaRig(logger: logger)
        let conference = ConferenceID(tenant: "t", meeting: "logs")
        try await rig.mcu.addConference(conference)
        let phone = try #require(rig.phone()), attacker = try #require(rig.phone(host: "127.0.0.2"))
        let answer = try await rig.mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("l"), offer: offer(port: phone.port, host: ManualMediaRig.phoneHost),
                advertisedAddress: "127.0.0.1"))
        let port = try #require(answer.media.first?.localPort)
        rig.tick(125) { i in  // 2.5 s, 10 refused packets a tick
            rig.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x1, payload: Self.silence), from: phone, to: port)
            for _ in 0..<10 { rig.send(rtpPacket(seq: UInt16(i), ts: 0, ssrc: 0xBAD, payload: Self.silence), from: attacker, to: port) }
        }
        await rig.shutdown()
        let records = recorder.all
        let learned = records.filter { $0.message == "media source learned" }
        let refused = records.filter { $0.message.hasPrefix("media from a source") }
        let notices = records.filter { $0.level == .notice && $0.message.hasPrefix("media from sources") }
        #expect(learned.count == 1 && learned.first?.level == .debug, "\(learned.map(\.metadata))")
        // The watch runs once a second of ticks: at 1 s and at 2 s.
        #expect(refused.count == 2 && refused.allSatisfy { $0.level == .debug }, "\(refused.count)")
        #expect(refused.first?.metadata["source"] == "127.0.0.2:\(attacker.port)")
        #expect(refused.first?.metadata["packets"] == "500", "\(String(describing: refused.first?.metadata))")
        #expect(notices.count == 1, "\(notices.map(\.metadata))")
    }
}
