import AudioMixer
import Foundation
import Logging
import MCUControl
import MediaCore
import OpusCodec
import SRTP
import Testing
import Synchronization
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

    func offer(port: Int, crypto: String? = nil) -> String {
        var sdp = "v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        sdp += "m=audio \(port) \(crypto == nil ? "RTP/AVP" : "RTP/SAVP") 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\n"
        if let crypto { sdp += "a=crypto:1 AES_CM_128_HMAC_SHA1_80 \(crypto)\r\n" }
        return sdp
    }

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
        let (mcu, _) = try makeMCU()
        let conference = ConferenceID(tenant: "t", meeting: "srtp")
        try await mcu.addConference(conference)
        let peer = TestPeer()
        let key = try SRTPKeyMaterial.random(profile: .aesCM128HMACSHA1_80)
        let answer = try await mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID("s1"), offer: offer(port: peer.port, crypto: key.inlineKeyParameter), advertisedAddress: "127.0.0.1"))
        let port = try #require(answer.media.first?.localPort)
        #expect(answer.answer.contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"))
        let sender = try SRTPSession(keyMaterial: key, direction: .outbound)
        for i in 0..<40 {
            var packet = rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x77, payload: [UInt8](repeating: 0xFF, count: 160)) + [UInt8](repeating: 0, count: 16)
            let length = packet.count - 16
            let protected = packet.withUnsafeMutableBytes { sender.protectRTP($0, length: length) }
            guard case .ok(let n) = protected else { continue }
            peer.send(Array(packet[0..<n]), to: port)
            var forged = Array(packet[0..<n])
            forged[20] ^= 0x01
            peer.send(forged, to: port)  // one flipped bit
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(200))
        let e = try #require(await mcu.statistics(conference)?.endpoints.first)
        #expect(e.packetsReceived >= 35)
        #expect(e.srtpFailures >= 35, "forged packets: \(e.srtpFailures)")
        // A tampered copy of an index already seen fails libsrtp's replay check before its tag is checked.
        #expect(e.drops.map { $0.authentication &+ $0.replay } == e.srtpFailures, "\(String(describing: e.drops))")
        await mcu.shutdown()
    }

    @Test("DTMF *6 (RFC 4733 events) toggles only the participant's own mute: it never lifts the focus's; digits are not mixed")
    func selfMuteByDTMF() async throws {
        let (mcu, _) = try makeMCU()
        let conference = ConferenceID(tenant: "t", meeting: "dtmf")
        try await mcu.addConference(conference)
        let peer = TestPeer()
        var sdp = offer(port: peer.port)
        sdp = sdp.replacingOccurrences(of: "RTP/AVP 0\r\n", with: "RTP/AVP 0 101\r\n") + "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"
        let answer = try await mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID("d"), offer: sdp, advertisedAddress: "127.0.0.1"))
        #expect(answer.answer.contains("telephone-event/8000"))
        let port = try #require(answer.media.first?.localPort)
        var seq: UInt16 = 0
        func press(_ event: UInt8, at ts: UInt32) async throws {
            for end in [false, false, true, true, true] {  // RFC 4733 §2.5.1.4: the end packet is sent three times
                let payload: [UInt8] = [event, end ? 0x80 | 10 : 10, 0x01, 0x40]
                peer.send(rtpPacket(pt: 101, seq: seq, ts: ts, ssrc: 0x42, payload: payload), to: port)
                seq &+= 1
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        peer.send(rtpPacket(seq: seq, ts: 0, ssrc: 0x42, payload: [UInt8](repeating: 0xFF, count: 160)), to: port)
        seq &+= 1
        try await press(10, at: 1_000)  // *
        try await press(6, at: 2_000)  // 6
        try await Task.sleep(for: .milliseconds(100))
        var stats = await mcu.statistics(conference)?.endpoints.first
        #expect(stats?.selfMuted == true && stats?.muted == false)
        try await press(10, at: 3_000)
        try await press(6, at: 4_000)
        try await Task.sleep(for: .milliseconds(100))
        stats = await mcu.statistics(conference)?.endpoints.first
        #expect(stats?.selfMuted == false && stats?.muted == false)
        // The focus mutes them: *6 toggles their own mute only, and the focus's mute stays.
        _ = try await mcu.modifyEndpoint(ModifyEndpointRequest(conference: conference, endpoint: EndpointID("d"), muted: true))
        try await press(10, at: 5_000)
        try await press(6, at: 6_000)
        try await press(10, at: 7_000)
        try await press(6, at: 8_000)
        try await Task.sleep(for: .milliseconds(100))
        stats = await mcu.statistics(conference)?.endpoints.first
        #expect(stats?.muted == true, "a participant cannot undo the focus's mute")
        await mcu.shutdown()
    }

    @Test("delay the server adds, mouth to ear: a tone burst from one participant reaches another's mix within 100 ms")
    func addedDelay() async throws {
        let (mcu, _) = try makeMCU()
        let conference = ConferenceID(tenant: "t", meeting: "delay")
        try await mcu.addConference(conference)
        let talker = TestPeer(), listener = TestPeer()
        let t = try await mcu.addEndpoint(AddEndpointRequest(conference: conference, endpoint: EndpointID("t"), offer: offer(port: talker.port), advertisedAddress: "127.0.0.1"))
        let l = try await mcu.addEndpoint(AddEndpointRequest(conference: conference, endpoint: EndpointID("l"), offer: offer(port: listener.port), advertisedAddress: "127.0.0.1"))
        let tPort = try #require(t.media.first?.localPort), lPort = try #require(l.media.first?.localPort)
        var tone = [UInt8](repeating: 0, count: 160)
        for i in 0..<160 { tone[i] = G711.encodeMuLaw(Int16(12_000 * sin(2 * Double.pi * 1_000 * Double(i) / 8_000))) }
        let silence = [UInt8](repeating: 0xFF, count: 160)
        var delays: [Double] = []
        var seq: UInt16 = 0
        for burst in 0..<5 {
            // 1 s of silence, then the burst; the listener keeps sending silence so it is a live participant.
            var burstSent: ContinuousClock.Instant?
            var heard: ContinuousClock.Instant?
            let clock = ContinuousClock()
            for frame in 0..<75 {
                let loud = frame >= 50
                if loud && burstSent == nil { burstSent = clock.now }
                talker.send(rtpPacket(seq: seq, ts: UInt32(seq) &* 160, ssrc: 0x71, payload: loud ? tone : silence), to: tPort)
                listener.send(rtpPacket(seq: seq, ts: UInt32(seq) &* 160, ssrc: 0x72, payload: silence), to: lPort)
                seq &+= 1
                let deadline = clock.now + .milliseconds(20)
                while clock.now < deadline {
                    for packet in listener.drain() where heard == nil && burstSent != nil && packet.count >= 172 {
                        // µ-law samples far from zero (0xFF/0x7F) mean the tone arrived.
                        if packet[12...].contains(where: { $0 & 0x7F < 0x50 }) { heard = clock.now }
                    }
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
            if let burstSent, let heard {
                let ms = Double((heard - burstSent).components.attoseconds) / 1e15 + Double((heard - burstSent).components.seconds) * 1000
                delays.append(ms)
            }
            _ = burst
        }
        let stats = await mcu.statistics(conference)
        print("server-added delay, tone burst to the other participant's mix: \(delays.map { Int($0) }) ms; late ticks \(stats?.lateTicks ?? 0) of \(stats?.ticks ?? 0); jitter-buffer delay \(stats?.endpoints.map(\.jitterBufferDelayMilliseconds) ?? []) ms, jitter \(stats?.endpoints.map { Int($0.jitterMilliseconds) } ?? []) ms")
        #expect(delays.count == 5)
        // Polling at the tick (≤ 20 ms) + the 20 ms jitter-buffer floor + one tick: the median stays near 40 ms. A
        // single burst may take longer when this (debug-built, shared-CPU) sender stalls and the jitter buffer
        // grows to cover it; that is the buffer doing its job, bounded by its 200 ms maximum.
        let median = delays.sorted()[delays.count / 2]
        #expect(median < 60, "\(delays)")
        #expect(delays.allSatisfy { $0 < 250 }, "\(delays)")
        await mcu.shutdown()
    }

    @Test("SDES on audio and video: each stream is protected with the key its own answer line carries (RFC 4568 §6.1)")
    func perStreamKeys() async throws {
        let (mcu, _) = try makeMCU()
        let conference = ConferenceID(tenant: "t", meeting: "keys")
        try await mcu.addConference(conference)
        let peer = TestPeer()
        let audioKey = try SRTPKeyMaterial.random(profile: .aesCM128HMACSHA1_80)
        let videoKey = try SRTPKeyMaterial.random(profile: .aesCM128HMACSHA1_80)
        let sdp = "v=0\r\no=p 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            + "m=audio \(peer.port) RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 \(audioKey.inlineKeyParameter)\r\n"
            + "m=video \(freePort(udpAndTCP: false)) RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\na=rtcp-mux\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 \(videoKey.inlineKeyParameter)\r\n"
        let answer = try await mcu.addEndpoint(AddEndpointRequest(conference: conference, endpoint: EndpointID("k"), offer: sdp, advertisedAddress: "127.0.0.1"))
        let port = try #require(answer.media.first { $0.type == "audio" }?.localPort)
        // The audio line's key in our answer (the first a=crypto line).
        let line = try #require(answer.answer.split(separator: "\r\n").first { $0.hasPrefix("a=crypto:") })
        let inline = try #require(line.split(separator: " ").dropFirst(2).first)
        let ours = try SRTPKeyMaterial(profile: .aesCM128HMACSHA1_80, inline: String(inline))
        let sender = try SRTPSession(keyMaterial: audioKey, direction: .outbound)
        for i in 0..<30 {
            var packet = rtpPacket(seq: UInt16(i), ts: UInt32(i * 160), ssrc: 0x5, payload: [UInt8](repeating: 0xFF, count: 160)) + [UInt8](repeating: 0, count: 16)
            let length = packet.count - 16
            if case .ok(let n) = packet.withUnsafeMutableBytes({ sender.protectRTP($0, length: length) }) { peer.send(Array(packet[0..<n]), to: port) }
            try await Task.sleep(for: .milliseconds(20))
        }
        let receiver = try SRTPSession(keyMaterial: ours, direction: .inbound)
        var authenticated = 0
        for var packet in peer.drain() where packet.count > 12 && packet[1] & 0x7F == 0 {
            let length = packet.count
            if case .ok = packet.withUnsafeMutableBytes({ receiver.unprotectRTP($0, length: length) }) { authenticated += 1 }
        }
        #expect(authenticated >= 20, "mix packets that authenticate with the audio line's key: \(authenticated)")
        await mcu.shutdown()
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
    @Test("an endpoint that stops sending is reported once after media.mediaTimeoutSeconds; one that keeps sending is not")
    func silentEndpointReported() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let base = freePort()
        var configuration = MCUConfiguration()
        configuration.rtpPorts = "\(base + 2)-\(base + 40)"
        configuration.bindAddress = "127.0.0.1"
        configuration.loops = 1
        configuration.mediaTimeoutSeconds = 1
        let mcu = try EmbeddedMCU(configuration: configuration, mixer: MixerConfiguration(), opus: OpusEncoderSettings(), logger: logger)
        let events = Mutex<[MCUEvent]>([])
        await mcu.setEventHandler { event in events.withLock { $0.append(event) } }
        let conference = ConferenceID(tenant: "t", meeting: "timeout")
        try await mcu.addConference(conference)
        let quiet = TestPeer(), talker = TestPeer()
        let tests = MediaEndpointTests()
        let q = try await mcu.addEndpoint(AddEndpointRequest(conference: conference, endpoint: EndpointID("quiet"), offer: tests.offer(port: quiet.port), advertisedAddress: "127.0.0.1"))
        let t = try await mcu.addEndpoint(AddEndpointRequest(conference: conference, endpoint: EndpointID("talker"), offer: tests.offer(port: talker.port), advertisedAddress: "127.0.0.1"))
        let qPort = try #require(q.media.first?.localPort), tPort = try #require(t.media.first?.localPort)
        let silence = [UInt8](repeating: 0xFF, count: 160)
        for seq in 0..<175 {
            // The quiet one sends for half a second, then stops; the talker goes on for 3.5 s.
            if seq < 25 { quiet.send(rtpPacket(seq: UInt16(seq), ts: UInt32(seq) * 160, ssrc: 0x51, payload: silence), to: qPort) }
            talker.send(rtpPacket(seq: UInt16(seq), ts: UInt32(seq) * 160, ssrc: 0x52, payload: silence), to: tPort)
            try await Task.sleep(for: .milliseconds(20))
        }
        let seen = events.withLock { $0 }
        await mcu.shutdown()
        let timeouts = seen.compactMap { event -> (EndpointID, Int)? in
            if case .mediaTimeout(_, let endpoint, let seconds) = event { return (endpoint, seconds) }
            return nil
        }
        #expect(timeouts.map { $0.0 } == [EndpointID("quiet")], "\(timeouts)")
        #expect(timeouts.first.map { (1...2).contains($0.1) } == true)
    }
}
