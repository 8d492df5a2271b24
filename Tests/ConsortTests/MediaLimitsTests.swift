import Admin
import Foundation
import MCUControl
import MediaCore
import Testing
import TestSupport

/// What the MCU sends and holds for a peer that has not shown life, and what one tenant may take: bounded unverified
/// sending, media timeouts for every endpoint, the port share per tenant, drops in the metrics.
@Suite("MCU sending and holding limits", .serialized, .timeLimit(.minutes(1)))
struct MediaLimitsTests {
    static let silence = MediaSourceTrustTests.silence
    let trust = MediaSourceTrustTests()

    func makeMCU(_ adjust: (inout MCUConfiguration) -> Void = { _ in }) throws -> EmbeddedMCU { try trust.makeMCU(adjust) }

    func offer(port: Int, direction: String = "sendrecv") -> String { trust.offer(port: port, direction: direction) }

    @Test("unverified sending: the MCU stops sending to a silent SDP address after unverifiedSendSeconds, resumes when it speaks (manual ticks)")
    func boundedUnverifiedSending() async throws {
        let rig = try ManualMediaRig { $0.unverifiedSendSeconds = 1 }
        let conference = ConferenceID(tenant: "t", meeting: "unverified")
        try await rig.mcu.addConference(conference)
        let victim = try #require(rig.phone())
        let answer = try await rig.mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("u"), offer: trust.offer(port: victim.port, host: ManualMediaRig.phoneHost),
                advertisedAddress: "127.0.0.1"))
        let port = try #require(answer.media.first?.localPort)
        // RTP only (an RTCP report may fall in the window too, depending on the random SSRC).
        func rtp(_ packets: [[UInt8]]) -> Int { ManualMediaRig.rtp(packets).count }
        rig.tick(75)  // 1.5 s
        let early = rtp(rig.drain(victim))
        rig.tick(50)
        let late = rig.drain(victim).count
        // The peer shows life: sending resumes at once.
        rig.send(rtpPacket(seq: 1, ts: 160, ssrc: 0x11, payload: Self.silence), from: victim, to: port)
        rig.tick(15)
        let resumed = rtp(rig.drain(victim))
        await rig.shutdown()
        #expect(early == 50, "sent while unverified (1 s of 20 ms packets): \(early)")
        #expect(late == 0, "sent after the unverified window: \(late)")
        #expect(resumed >= 14, "sending resumed: \(resumed)")
    }

    @Test("unverified sending, video: a viewer that never answers stops getting video after the window; its RTCP resumes it (manual ticks)")
    func boundedUnverifiedVideo() async throws {
        let rig = try ManualMediaRig { $0.unverifiedSendSeconds = 1 }
        let conference = ConferenceID(tenant: "t", meeting: "unverified-video")
        try await rig.mcu.addConference(conference)
        let rules = VideoRulesTests()
        let source = try #require(rig.phone()), viewer = try #require(rig.phone()), viewerAudio = try #require(rig.phone())
        let s = try await rig.mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("source"), offer: rules.offer(audio: source.port, video: source.port, direction: "sendonly"),
                advertisedAddress: "127.0.0.1"))
        let v = try await rig.mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("viewer"),
                offer: rules.offer(audio: viewerAudio.port, video: viewer.port, direction: "recvonly"), advertisedAddress: "127.0.0.1"))
        let sourceVideo = try #require(s.media.first { $0.type == "video" }?.localPort)
        let viewerVideo = try #require(v.media.first { $0.type == "video" }?.localPort)
        var seq: UInt16 = 0
        func stream(_ ticks: Int) {
            rig.tick(ticks) { _ in
                rig.send(rules.vp8(seq: seq, ts: UInt32(seq) &* 3_000, ssrc: 0x5, key: seq % 10 == 0), from: source, to: sourceVideo)
                seq &+= 1
            }
        }
        stream(75)  // 1.5 s
        let early = rules.pictures(rig.drain(viewer)).count
        stream(50)
        let late = rig.drain(viewer).count
        rig.send(trust.senderReport(ssrc: 0x77), from: viewer, to: viewerVideo)
        stream(30)
        let resumed = rules.pictures(rig.drain(viewer)).count
        await rig.shutdown()
        // Forwarded from the source's first keyframe (tick 1, the tick that latched it) to the window's end (tick 50).
        #expect(early == 50, "video while unverified: \(early)")
        #expect(late == 0, "video after the window: \(late)")
        // From the tick that reads the RTCP on (its first packet too, if the viewer is read before the source).
        #expect((29...30).contains(resumed), "video from the viewer's RTCP on: \(resumed)")
    }

    @Test("every endpoint must show life: receive-only, isolated, held and inactive endpoints that send nothing time out (manual ticks)")
    func everyEndpointTimesOut() async throws {
        let rig = try ManualMediaRig {
            $0.mediaTimeoutSeconds = 1
            $0.holdTimeoutSeconds = 2
        }
        let log = MCUEventLog()
        await rig.mcu.setEventHandler { log.append($0) }
        let conference = ConferenceID(tenant: "t", meeting: "life")
        try await rig.mcu.addConference(conference)
        let talker = try #require(rig.phone())
        let t = try await rig.mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("talker"), offer: trust.offer(port: talker.port, host: ManualMediaRig.phoneHost),
                advertisedAddress: "127.0.0.1"))
        let talkerPort = try #require(t.media.first?.localPort)
        var silent: [MemoryDatagramPort] = []
        for (name, direction, mode) in [
            ("recvonly", "recvonly", EndpointMode.conference), ("isolated", "sendrecv", .isolated), ("held", "sendonly", .conference),
            ("inactive", "inactive", .conference),
        ] {
            let phone = try #require(rig.phone())
            silent.append(phone)
            _ = try await rig.mcu.addEndpoint(
                AddEndpointRequest(
                    conference: conference, endpoint: EndpointID(name),
                    offer: trust.offer(port: phone.port, host: ManualMediaRig.phoneHost, direction: direction), advertisedAddress: "127.0.0.1",
                    mode: mode))
        }
        rig.tick(200) { seq in  // 4 s of media time
            rig.send(rtpPacket(seq: UInt16(seq), ts: UInt32(seq) * 160, ssrc: 0x7A, payload: Self.silence), from: talker, to: talkerPort)
        }
        // The events reach the handler off the loop: give them a moment.
        for _ in 0..<100 where log.all.count < 4 { try await Task.sleep(for: .milliseconds(10)) }
        await rig.shutdown()
        var timeouts: [String: Int] = [:]
        for case .mediaTimeout(_, let endpoint, let seconds) in log.all { timeouts[endpoint.value] = seconds }
        #expect(Set(timeouts.keys) == ["recvonly", "isolated", "held", "inactive"], "\(timeouts)")
        #expect((1...2).contains(timeouts["recvonly"] ?? 0) && (1...2).contains(timeouts["isolated"] ?? 0), "\(timeouts)")
        #expect((2...3).contains(timeouts["held"] ?? 0) && (2...3).contains(timeouts["inactive"] ?? 0), "\(timeouts)")
    }

    @Test("tenant share: a tenant cannot take more than its share of port pairs (capacity, not 488); another tenant still can")
    func tenantShare() async throws {
        let first = (freePort() + 2) & ~1
        let mcu = try makeMCU {
            $0.rtpPorts = "\(first)-\(first + 19)"  // 10 pairs
            $0.maxTenantPortShare = 0.5
        }
        let a = ConferenceID(tenant: "a", meeting: "m"), b = ConferenceID(tenant: "b", meeting: "m")
        try await mcu.addConference(a)
        try await mcu.addConference(b)
        var ports: [Int] = []
        for i in 0..<5 {
            let answer = try await mcu.addEndpoint(
                AddEndpointRequest(conference: a, endpoint: EndpointID("a\(i)"), offer: offer(port: 9_000 + i), advertisedAddress: "127.0.0.1"))
            ports.append(try #require(answer.media.first?.localPort))
        }
        let refused = await #expect(throws: MCUControlError.self) {
            _ = try await mcu.addEndpoint(
                AddEndpointRequest(conference: a, endpoint: EndpointID("a5"), offer: self.offer(port: 9_005), advertisedAddress: "127.0.0.1"))
        }
        #expect(refused?.code == .capacity, "\(String(describing: refused))")
        // A dial-out of tenant a is refused the same way.
        let dialOut = await #expect(throws: MCUControlError.self) {
            _ = try await mcu.addEndpoint(AddEndpointRequest(conference: a, endpoint: EndpointID("d"), offer: nil, advertisedAddress: "127.0.0.1"))
        }
        #expect(dialOut?.code == .capacity)
        for i in 0..<5 {
            _ = try await mcu.addEndpoint(
                AddEndpointRequest(conference: b, endpoint: EndpointID("b\(i)"), offer: offer(port: 9_100 + i), advertisedAddress: "127.0.0.1"))
        }
        // One of a's calls ends: a may take a pair again.
        await mcu.removeEndpoint(a, EndpointID("a0"))
        _ = try await mcu.addEndpoint(
            AddEndpointRequest(conference: a, endpoint: EndpointID("a6"), offer: offer(port: 9_006), advertisedAddress: "127.0.0.1"))
        await mcu.shutdown()
        #expect(zip(ports, ports.dropFirst()).contains { $1 != $0 + 2 }, "ports in order: \(ports)")
    }

    @Test("drops reach /metrics once a second as consort_media_dropped_packets_total{tenant,reason} (manual ticks)")
    func dropMetrics() async throws {
        let registry = AdminMetrics.registry  // the process's one swift-metrics backend
        let rig = try ManualMediaRig()
        let conference = ConferenceID(tenant: "metrics-tenant", meeting: "m")
        try await rig.mcu.addConference(conference)
        let phone = try #require(rig.phone()), attacker = try #require(rig.phone(host: "127.0.0.2"))
        let answer = try await rig.mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("e"), offer: trust.offer(port: phone.port, host: ManualMediaRig.phoneHost),
                advertisedAddress: "127.0.0.1"))
        let port = try #require(answer.media.first?.localPort)
        for i in 0..<7 { rig.send(rtpPacket(seq: UInt16(i), ts: 0, ssrc: 0xBAD, payload: Self.silence), from: attacker, to: port) }
        rig.send([0x80, 0x00, 0x01], from: phone, to: port)  // too short
        let line = #"consort_media_dropped_packets_total{tenant="metrics-tenant",reason="wrong_source"} 7"#
        rig.tick(49)
        let early = registry.emitToString()
        rig.tick(1)  // the 50th tick: a second
        let text = registry.emitToString()
        let stats = await rig.mcu.statistics(conference)
        await rig.shutdown()
        #expect(!early.contains(line), "not before the second is up")
        #expect(text.contains(line), "\(text.split(separator: "\n").filter { $0.contains("dropped") })")
        #expect(text.contains(#"consort_media_dropped_packets_total{tenant="metrics-tenant",reason="malformed"} 1"#))
        #expect(stats?.drops?.wrongSource == 7 && stats?.drops?.malformed == 1, "\(String(describing: stats?.drops))")
    }

    /// Three endpoints in `conference` that all send for 1.5 s (real time): decode, mix and encode work on every tick,
    /// measured once a second.
    private func keepBusy(_ mcu: EmbeddedMCU, _ conference: ConferenceID) async throws {
        try await mcu.addConference(conference)
        let peers = (0..<3).map { _ in TestPeer() }
        var ports: [Int] = []
        for (i, peer) in peers.enumerated() {
            let answer = try await mcu.addEndpoint(
                AddEndpointRequest(conference: conference, endpoint: EndpointID("h\(i)"), offer: offer(port: peer.port), advertisedAddress: "127.0.0.1"))
            ports.append(try #require(answer.media.first?.localPort))
        }
        for n in 0..<75 {
            for (peer, port) in zip(peers, ports) {
                peer.send(rtpPacket(seq: UInt16(n), ts: UInt32(n) * 960, ssrc: UInt32(port), payload: Self.silence), to: port)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    // Real ticks: the share is measured tick time, which manual ticks do not measure (their `now` is not the clock's).
    @Test("tick share: a tenant whose conferences took more than maxTenantTickShare of the tick time is refused (capacity); another tenant is not")
    func tickShare() async throws {
        let registry = AdminMetrics.registry
        // One loop, and a share so small that one busy conference passes it: its measured cost, not a count, decides.
        let mcu = try makeMCU {
            $0.loops = 1
            $0.maxTenantTickShare = 0.000_01  // 10 µs of each second
        }
        let heavy = ConferenceID(tenant: "heavy", meeting: "m"), light = ConferenceID(tenant: "light", meeting: "m")
        try await keepBusy(mcu, heavy)
        let stats = await mcu.statistics(heavy)
        let load = await mcu.load()
        let refused = await #expect(throws: MCUControlError.self) {
            _ = try await mcu.addEndpoint(
                AddEndpointRequest(conference: heavy, endpoint: EndpointID("h3"), offer: self.offer(port: 9_300), advertisedAddress: "127.0.0.1"))
        }
        try await mcu.addConference(light)
        let admitted = try await mcu.addEndpoint(
            AddEndpointRequest(conference: light, endpoint: EndpointID("l0"), offer: offer(port: 9_400), advertisedAddress: "127.0.0.1"))
        let text = registry.emitToString()
        await mcu.shutdown()
        #expect(refused?.code == .capacity, "\(String(describing: refused))")
        #expect(refused?.reason.contains("tick time") == true, "\(String(describing: refused))")
        #expect(admitted.media.first?.accepted == true)
        let cost = try #require(stats?.tickMicrosecondsPerSecond)
        #expect(cost > 10 && cost < 1_000_000, "measured cost \(cost) µs/s")
        #expect(load.loops == 1 && (load.tickMicrosecondsPerSecond ?? 0) >= cost, "\(load)")
        #expect(text.contains(#"consort_media_tick_microseconds_total{tenant="heavy"}"#))
    }

    @Test("tick share of the whole MCU: past maxTickShare every tenant's new endpoint is refused (capacity), the light one's too")
    func totalTickShare() async throws {
        let mcu = try makeMCU {
            $0.loops = 1
            $0.maxTenantTickShare = 1
            $0.maxTickShare = 0.000_01  // 10 µs of each second: one busy conference passes it
        }
        let heavy = ConferenceID(tenant: "heavy", meeting: "m"), light = ConferenceID(tenant: "light", meeting: "m")
        try await keepBusy(mcu, heavy)
        try await mcu.addConference(light)
        let refused = await #expect(throws: MCUControlError.self) {
            _ = try await mcu.addEndpoint(
                AddEndpointRequest(conference: light, endpoint: EndpointID("l0"), offer: self.offer(port: 9_400), advertisedAddress: "127.0.0.1"))
        }
        await mcu.shutdown()
        #expect(refused?.code == .capacity, "\(String(describing: refused))")
        #expect(refused?.reason.contains("media.maxTickShare") == true, "\(String(describing: refused))")

        var bad = MCUConfiguration()
        bad.maxTickShare = 0
        #expect(bad.validationProblem()?.contains("media.maxTickShare") == true)
    }
}
