import AudioMixer
import Foundation
import Logging
import MCUControl
import MediaCore
import OpusCodec
import SRTP
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A test peer: a UDP socket on 127.0.0.1 (or another loopback address standing for another host) that sends RTP to
/// the MCU on 127.0.0.1 and collects what comes back.
final class TestPeer {
    let fd: Int32
    let port: Int
    let host: String

    init(host: String = "127.0.0.1") {
        self.host = host
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr(host)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        fd = descriptor
        port = Int(UInt16(bigEndian: a.sin_port))
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8], to port: Int) {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        _ = bytes.withUnsafeBytes { b in
            withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, b.baseAddress, b.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
    }

    /// Datagrams received so far.
    func drain() -> [[UInt8]] {
        var out: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 2_048)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return out }
            out.append(Array(buffer[0..<n]))
        }
    }
}

func rtpPacket(pt: UInt8 = 0, seq: UInt16, ts: UInt32, ssrc: UInt32, payload: [UInt8]) -> [UInt8] {
    [0x80, pt, UInt8(seq >> 8), UInt8(seq & 0xFF),
     UInt8(ts >> 24), UInt8((ts >> 16) & 0xFF), UInt8((ts >> 8) & 0xFF), UInt8(ts & 0xFF),
     UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xFF), UInt8((ssrc >> 8) & 0xFF), UInt8(ssrc & 0xFF)] + payload
}

/// The MCU's endpoints against hostile input, SRTP, DTMF and the delay they add: the first test on real UDP sockets and
/// the scheduled 20 ms ticks, the rest on manual ticks (``ManualMediaRig``).
@Suite("MCU endpoints against hostile input", .serialized, .timeLimit(.minutes(1)))
struct MediaEndpointTests {
    func makeMCU() throws -> (EmbeddedMCU, Int) {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let base = freePort()
        var configuration = MCUConfiguration()
        configuration.rtpPorts = "\(base + 2)-\(base + 40)"
        configuration.bindAddress = "127.0.0.1"
        configuration.loops = 1
        return (try EmbeddedMCU(configuration: configuration, mixer: MixerConfiguration(), opus: OpusEncoderSettings(), logger: logger), base)
    }

    func offer(port: Int, host: String = "127.0.0.1", crypto: String? = nil) -> String {
        var sdp = "v=0\r\no=peer 1 1 IN IP4 \(host)\r\ns=-\r\nc=IN IP4 \(host)\r\nt=0 0\r\n"
        sdp += "m=audio \(port) \(crypto == nil ? "RTP/AVP" : "RTP/SAVP") 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\n"
        if let crypto { sdp += "a=crypto:1 AES_CM_128_HMAC_SHA1_80 \(crypto)\r\n" }
        return sdp
    }

    // Real sockets and ticks: the MCU's smoke test end to end.
    @Test("garbage, truncated packets, a foreign source and unknown payload types are dropped and counted; the conference goes on")
    func hostilePlainRTP() async throws {
        let (mcu, _) = try makeMCU()
        let conference = ConferenceID(tenant: "t", meeting: "m")
        try await mcu.addConference(conference)
        let peer = TestPeer()
        let intruder = TestPeer()
        let answer = try await mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID("e1"), offer: offer(port: peer.port), advertisedAddress: "127.0.0.1"))
        let port = try #require(answer.media.first?.localPort)
        #expect(answer.answer.contains("m=audio \(port) RTP/AVP 0"))
        let silence = [UInt8](repeating: 0xFF, count: 160)
        for i in 0..<50 {
            peer.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x1234, payload: silence), to: port)
            peer.send(Array(repeating: UInt8(i), count: i % 30), to: port)  // garbage of every length
            peer.send(rtpPacket(pt: 99, seq: UInt16(i), ts: 0, ssrc: 0x1234, payload: [1, 2, 3]), to: port)
            intruder.send(rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x1234, payload: silence), to: port)
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(200))
        let stats = try #require(await mcu.statistics(conference))
        let e = try #require(stats.endpoints.first)
        #expect(e.packetsReceived >= 45, "valid packets: \(e.packetsReceived)")
        #expect(e.packetsDropped >= 100, "dropped: \(e.packetsDropped)")
        #expect(e.packetsSent >= 40, "the MCU kept sending the mix")
        #expect(!peer.drain().isEmpty, "media went back to the latched address")
        #expect(intruder.drain().isEmpty, "nothing went to the intruder")
        #expect(stats.ticks > 40)
        await mcu.shutdown()
    }

    @Test("SRTP: packets that do not authenticate are dropped and counted; valid ones are mixed")
    func srtpAuthentication() async throws {
        let rig = try ManualMediaRig()
        let conference = ConferenceID(tenant: "t", meeting: "srtp")
        try await rig.mcu.addConference(conference)
        let phone = try #require(rig.phone())
        let key = try SRTPKeyMaterial.random(profile: .aesCM128HMACSHA1_80)
        let answer = try await rig.mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("s1"), offer: offer(port: phone.port, host: ManualMediaRig.phoneHost, crypto: key.inlineKeyParameter),
                advertisedAddress: "127.0.0.1"))
        let port = try #require(answer.media.first?.localPort)
        #expect(answer.answer.contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"))
        let sender = try SRTPSession(keyMaterial: key, direction: .outbound)
        rig.tick(40) { i in
            var packet = rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x77, payload: [UInt8](repeating: 0xFF, count: 160)) + [UInt8](repeating: 0, count: 16)
            let length = packet.count - 16
            guard case .ok(let n) = packet.withUnsafeMutableBytes({ sender.protectRTP($0, length: length) }) else { return }
            rig.send(Array(packet[0..<n]), from: phone, to: port)
            var forged = Array(packet[0..<n])
            forged[20] ^= 0x01
            rig.send(forged, from: phone, to: port)  // one flipped bit
        }
        let e = try #require(await rig.mcu.statistics(conference)?.endpoints.first)
        await rig.shutdown()
        #expect(e.packetsReceived == 40)
        #expect(e.srtpFailures == 40, "forged packets: \(e.srtpFailures)")
        // A tampered copy of an index already seen fails libsrtp's replay check before its tag is checked.
        #expect(e.drops.map { $0.authentication &+ $0.replay } == e.srtpFailures, "\(String(describing: e.drops))")
    }

    @Test("DTMF *6 (RFC 4733 events) toggles only the participant's own mute: it never lifts the focus's; digits are not mixed")
    func selfMuteByDTMF() async throws {
        let rig = try ManualMediaRig()
        let conference = ConferenceID(tenant: "t", meeting: "dtmf")
        try await rig.mcu.addConference(conference)
        let phone = try #require(rig.phone())
        var sdp = offer(port: phone.port, host: ManualMediaRig.phoneHost)
        sdp = sdp.replacingOccurrences(of: "RTP/AVP 0\r\n", with: "RTP/AVP 0 101\r\n") + "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"
        let answer = try await rig.mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID("d"), offer: sdp, advertisedAddress: "127.0.0.1"))
        #expect(answer.answer.contains("telephone-event/8000"))
        let port = try #require(answer.media.first?.localPort)
        var seq: UInt16 = 0
        func press(_ event: UInt8, at ts: UInt32) {
            for end in [false, false, true, true, true] {  // RFC 4733 §2.5.1.4: the end packet is sent three times
                let payload: [UInt8] = [event, end ? 0x80 | 10 : 10, 0x01, 0x40]
                rig.send(rtpPacket(pt: 101, seq: seq, ts: ts, ssrc: 0x42, payload: payload), from: phone, to: port)
                seq &+= 1
                rig.tick(1)
            }
        }
        rig.send(rtpPacket(seq: seq, ts: 0, ssrc: 0x42, payload: [UInt8](repeating: 0xFF, count: 160)), from: phone, to: port)
        seq &+= 1
        press(10, at: 1_000)  // *
        press(6, at: 2_000)  // 6
        var stats = await rig.mcu.statistics(conference)?.endpoints.first
        #expect(stats?.selfMuted == true && stats?.muted == false)
        press(10, at: 3_000)
        press(6, at: 4_000)
        stats = await rig.mcu.statistics(conference)?.endpoints.first
        #expect(stats?.selfMuted == false && stats?.muted == false)
        // The focus mutes them: *6 toggles their own mute only, and the focus's mute stays.
        _ = try await rig.mcu.modifyEndpoint(ModifyEndpointRequest(conference: conference, endpoint: EndpointID("d"), muted: true))
        press(10, at: 5_000)
        press(6, at: 6_000)
        press(10, at: 7_000)
        press(6, at: 8_000)
        stats = await rig.mcu.statistics(conference)?.endpoints.first
        await rig.shutdown()
        #expect(stats?.muted == true, "a participant cannot undo the focus's mute")
        #expect(stats?.packetsDropped == 0 && stats?.packetsReceived == 41, "every event packet taken: \(String(describing: stats))")
    }

    @Test("delay the server adds, mouth to ear: a tone burst from one participant is in another's mix one tick later")
    func addedDelay() async throws {
        let rig = try ManualMediaRig()
        let conference = ConferenceID(tenant: "t", meeting: "delay")
        try await rig.mcu.addConference(conference)
        let talker = try #require(rig.phone()), listener = try #require(rig.phone())
        let t = try await rig.mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID("t"), offer: offer(port: talker.port, host: ManualMediaRig.phoneHost), advertisedAddress: "127.0.0.1"))
        let l = try await rig.mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID("l"), offer: offer(port: listener.port, host: ManualMediaRig.phoneHost), advertisedAddress: "127.0.0.1"))
        let tPort = try #require(t.media.first?.localPort), lPort = try #require(l.media.first?.localPort)
        var tone = [UInt8](repeating: 0, count: 160)
        for i in 0..<160 { tone[i] = G711.encodeMuLaw(Int16(12_000 * sin(2 * Double.pi * 1_000 * Double(i) / 8_000))) }
        let silence = [UInt8](repeating: 0xFF, count: 160)
        // Ticks from the burst's first packet (sent before tick 0 of the burst) to the tick whose mix carried it.
        var delays: [Int] = []
        var seq: UInt16 = 0
        for _ in 0..<5 {
            // 1 s of silence, then the burst; the listener keeps sending silence so it is a live participant.
            var heard: Int?
            for frame in 0..<75 {
                let loud = frame >= 50
                rig.send(rtpPacket(seq: seq, ts: UInt32(seq) &* 160, ssrc: 0x71, payload: loud ? tone : silence), from: talker, to: tPort)
                rig.send(rtpPacket(seq: seq, ts: UInt32(seq) &* 160, ssrc: 0x72, payload: silence), from: listener, to: lPort)
                seq &+= 1
                rig.tick(1)
                for packet in ManualMediaRig.rtp(rig.drain(listener)) where heard == nil && loud {
                    // µ-law samples far from zero (0xFF/0x7F) mean the tone arrived.
                    if packet[12...].contains(where: { $0 & 0x7F < 0x50 }) { heard = frame - 50 }
                }
            }
            if let heard { delays.append(heard) }
        }
        let stats = await rig.mcu.statistics(conference)
        await rig.shutdown()
        print("server-added delay, tone burst to the other participant's mix: \(delays) ticks after the tick that read it; jitter-buffer delay \(stats?.endpoints.map(\.jitterBufferDelayMilliseconds) ?? []) ms")
        // Regular arrival: the jitter buffer stays at its 20 ms floor, so the burst goes out one tick after it came in,
        // every time. (On a real network add the wait for the next tick, ≤ 20 ms, and the buffer's growth under jitter.)
        #expect(delays == [1, 1, 1, 1, 1], "\(delays)")
    }

    @Test("SDES on audio and video: each stream is protected with the key its own answer line carries (RFC 4568 §6.1)")
    func perStreamKeys() async throws {
        let rig = try ManualMediaRig()
        let conference = ConferenceID(tenant: "t", meeting: "keys")
        try await rig.mcu.addConference(conference)
        let phone = try #require(rig.phone())
        let audioKey = try SRTPKeyMaterial.random(profile: .aesCM128HMACSHA1_80)
        let videoKey = try SRTPKeyMaterial.random(profile: .aesCM128HMACSHA1_80)
        let host = ManualMediaRig.phoneHost
        let sdp = "v=0\r\no=p 1 1 IN IP4 \(host)\r\ns=-\r\nc=IN IP4 \(host)\r\nt=0 0\r\n"
            + "m=audio \(phone.port) RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 \(audioKey.inlineKeyParameter)\r\n"
            + "m=video \(rig.unusedPort()) RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\na=rtcp-mux\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 \(videoKey.inlineKeyParameter)\r\n"
        let answer = try await rig.mcu.addEndpoint(AddEndpointRequest(conference: conference, endpoint: EndpointID("k"), offer: sdp, advertisedAddress: "127.0.0.1"))
        let port = try #require(answer.media.first { $0.type == "audio" }?.localPort)
        // The audio line's key in our answer (the first a=crypto line).
        let line = try #require(answer.answer.split(separator: "\r\n").first { $0.hasPrefix("a=crypto:") })
        let inline = try #require(line.split(separator: " ").dropFirst(2).first)
        let ours = try SRTPKeyMaterial(profile: .aesCM128HMACSHA1_80, inline: String(inline))
        let sender = try SRTPSession(keyMaterial: audioKey, direction: .outbound)
        rig.tick(30) { i in
            var packet = rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x5, payload: [UInt8](repeating: 0xFF, count: 160)) + [UInt8](repeating: 0, count: 16)
            let length = packet.count - 16
            if case .ok(let n) = packet.withUnsafeMutableBytes({ sender.protectRTP($0, length: length) }) { rig.send(Array(packet[0..<n]), from: phone, to: port) }
        }
        let receiver = try SRTPSession(keyMaterial: ours, direction: .inbound)
        var authenticated = 0
        for var packet in rig.drain(phone) where packet.count > 12 && packet[1] & 0x7F == 0 {
            let length = packet.count
            if case .ok = packet.withUnsafeMutableBytes({ receiver.unprotectRTP($0, length: length) }) { authenticated += 1 }
        }
        await rig.shutdown()
        #expect(authenticated == 30, "mix packets that authenticate with the audio line's key, one a tick: \(authenticated)")
    }

    @Test("an offer the MCU cannot take is refused with a reason; the ports go back")
    func refusedOffer() async throws {
        let (mcu, _) = try makeMCU()
        let conference = ConferenceID(tenant: "t", meeting: "x")
        try await mcu.addConference(conference)
        let before = await mcu.load().freePorts
        let g722 = "v=0\r\no=p 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 9\r\na=rtpmap:9 G722/8000\r\n"
        let error = await #expect(throws: MCUControlError.self) {
            _ = try await mcu.addEndpoint(AddEndpointRequest(conference: conference, endpoint: EndpointID("g"), offer: g722, advertisedAddress: "127.0.0.1"))
        }
        #expect(error?.code == .notAcceptable && error?.reason.contains("G722") == true, "\(String(describing: error))")
        #expect(await mcu.load().freePorts == before)
        await mcu.shutdown()
    }
}

@Suite("MCU media timeout", .serialized, .timeLimit(.minutes(1)))
struct MediaTimeoutTests {
    @Test("an endpoint that stops sending is reported once after media.mediaTimeoutSeconds; one that keeps sending is not (manual ticks)")
    func silentEndpointReported() async throws {
        let rig = try ManualMediaRig { $0.mediaTimeoutSeconds = 1 }
        let events = MCUEventLog()
        await rig.mcu.setEventHandler { events.append($0) }
        let conference = ConferenceID(tenant: "t", meeting: "timeout")
        try await rig.mcu.addConference(conference)
        let quiet = try #require(rig.phone()), talker = try #require(rig.phone())
        let tests = MediaEndpointTests()
        let host = ManualMediaRig.phoneHost
        let q = try await rig.mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID("quiet"), offer: tests.offer(port: quiet.port, host: host), advertisedAddress: "127.0.0.1"))
        let t = try await rig.mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID("talker"), offer: tests.offer(port: talker.port, host: host), advertisedAddress: "127.0.0.1"))
        let qPort = try #require(q.media.first?.localPort), tPort = try #require(t.media.first?.localPort)
        let silence = [UInt8](repeating: 0xFF, count: 160)
        rig.tick(175) { seq in
            // The quiet one sends for half a second, then stops; the talker goes on for 3.5 s.
            if seq < 25 { rig.send(rtpPacket(seq: UInt16(seq), ts: UInt32(seq) * 160, ssrc: 0x51, payload: silence), from: quiet, to: qPort) }
            rig.send(rtpPacket(seq: UInt16(seq), ts: UInt32(seq) * 160, ssrc: 0x52, payload: silence), from: talker, to: tPort)
        }
        await rig.shutdown()  // delivers every event the ticks queued
        let timeouts = events.all.compactMap { event -> (EndpointID, Int)? in
            if case .mediaTimeout(_, let endpoint, let seconds) = event { return (endpoint, seconds) }
            return nil
        }
        #expect(timeouts.map { $0.0 } == [EndpointID("quiet")], "\(timeouts)")
        // Watched once a second: silent from 0.5 s, seen unchanged at 1 s, reported at 2 s after a second of silence.
        #expect(timeouts.first?.1 == 1, "\(timeouts)")
    }
}
