import AudioMixer
import Focus
import Foundation
import Logging
import MCUControl
import MediaCore
import OpusCodec
import SIP
import SIPWire
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Video forwarding (SFU) with real VP8 from ffmpeg: one participant sends, another receives through the MCU, and
/// what arrives must decode to frames.
@Suite("Video forwarding with ffmpeg", .serialized, .timeLimit(.minutes(2)))
struct VideoTests {
    func offer(audioPort: Int, videoPort: Int, direction: String) -> String {
        "v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            + "m=audio \(audioPort) RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
            + "m=video \(videoPort) RTP/AVPF 96\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\na=\(direction)\r\n"
    }

    /// The answer's video port.
    func videoPort(in answer: [UInt8]) -> Int? {
        let text = String(decoding: answer, as: UTF8.self)
        guard let line = text.split(separator: "\r\n").first(where: { $0.hasPrefix("m=video ") }) else { return nil }
        return Int(line.split(separator: " ")[1])
    }

    @Test("a participant's VP8 is forwarded to another after a keyframe, and decodes to frames there")
    func vp8Forwarded() async throws {
        guard let ffmpeg = tool("ffmpeg") else {
            Issue.record("ffmpeg is not installed (make deps installs it)")
            return
        }
        let stack = try await InProcessServer.start()
        var logger = Logger(label: "caller")
        logger.logLevel = .critical
        var callerConfiguration = SIPConfiguration()
        callerConfiguration.address = "127.0.0.1"
        callerConfiguration.port = 0
        let caller = SIPUserAgent(configuration: callerConfiguration, logger: logger)
        try await caller.start()
        Task { await caller.run() }
        let meeting = try #require(SIPURI("sip:video1@127.0.0.1:\(stack.port)"))

        let senderVideo = freePort(udpAndTCP: false)
        let receiverVideo = freePort(udpAndTCP: false)
        let sender = try await caller.invite(meeting, body: Array(offer(audioPort: freePort(), videoPort: senderVideo, direction: "sendonly").utf8))
        let receiver = try await caller.invite(meeting, body: Array(offer(audioPort: freePort(), videoPort: receiverVideo, direction: "recvonly").utf8))
        let serverVideoPort = try #require(videoPort(in: sender.response.body))
        #expect(videoPort(in: receiver.response.body) != 0)

        // The receiving side: ffmpeg decodes whatever VP8 arrives on the receiver's port.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-video-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let sdp = folder.appendingPathComponent("in.sdp")
        try "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video \(receiverVideo) RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"
            .write(to: sdp, atomically: true, encoding: .utf8)
        let sink = try launchProgram(
            ffmpeg, ["-hide_banner", "-nostdin", "-protocol_whitelist", "file,udp,rtp", "-i", sdp.path, "-t", "5", "-f", "null", "-"])
        try await Task.sleep(for: .milliseconds(500))
        // The sending side: ffmpeg encodes a test pattern to VP8 and sends it to the MCU's video port.
        let source = try runProgram(
            ffmpeg,
            ["-hide_banner", "-nostdin", "-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15", "-t", "6", "-c:v", "libvpx",
             "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-g", "15", "-f", "rtp", "-payload_type", "96",
             "rtp://127.0.0.1:\(serverVideoPort)?localport=\(senderVideo)"],
            timeout: 20)
        #expect(source.status == 0, "ffmpeg sender: \(source.output.suffix(600))")
        for _ in 0..<100 where sink.0.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        let decoded = stopProgram(sink)
        let stats = await stack.mcu.statistics(ConferenceID(tenant: "default", meeting: "video1"))
        _ = try? await sender.dialog.bye()
        _ = try? await receiver.dialog.bye()
        await caller.stop()
        await stack.stop()

        let frames = Self.frameCount(in: decoded.output)
        print("video: receiver decoded \(frames) frames; stats \(stats?.endpoints.map { ($0.videoPacketsReceived, $0.videoPacketsForwarded, $0.keyFrameRequests) } ?? [])")
        #expect(frames >= 20, "frames decoded at the receiver: \(frames)\n\(decoded.output.suffix(800))")
        let forwarded = stats?.endpoints.map(\.videoPacketsForwarded).reduce(0, +) ?? 0
        #expect(forwarded > 50)
    }

    /// The last `frame=   N` that ffmpeg printed.
    static func frameCount(in output: String) -> Int {
        var last = 0
        for part in output.components(separatedBy: "frame=").dropFirst() {
            let digits = part.drop { $0 == " " }.prefix { $0.isNumber }
            if let n = Int(digits) { last = n }
        }
        return last
    }
}

/// The SFU's rewrite, switch and NACK logic with hand-made VP8 packets (no encoder), through MCUControl, on manual ticks.
@Suite("Video forwarding rules", .serialized, .timeLimit(.minutes(1)))
struct VideoRulesTests {
    /// An offer of PCMU audio and VP8 video (NACK, PLI) from a phone at `host`.
    func offer(audio: Int, video: Int, direction: String, host: String = ManualMediaRig.phoneHost) -> String {
        "v=0\r\no=t 1 1 IN IP4 \(host)\r\ns=-\r\nc=IN IP4 \(host)\r\nt=0 0\r\n"
            + "m=audio \(audio) RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\n"
            + "m=video \(video) RTP/AVPF 96\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtcp-mux\r\na=\(direction)\r\n"
    }

    /// A VP8 packet: S=1, PID=0, then the payload header (P=0 for a key frame); `fill` marks whose picture it is.
    func vp8(seq: UInt16, ts: UInt32, ssrc: UInt32, key: Bool, fill: UInt8 = 0xAB) -> [UInt8] {
        rtpPacket(pt: 96, seq: seq, ts: ts, ssrc: ssrc, payload: [0x10, key ? 0x00 : 0x01] + [UInt8](repeating: fill, count: 100))
    }

    /// 20 ms of PCMU: a loud 1 kHz tone, or silence.
    func pcmu(seq: UInt16, ssrc: UInt32, loud: Bool) -> [UInt8] {
        var payload = [UInt8](repeating: 0xFF, count: 160)
        if loud {
            for i in 0..<160 { payload[i] = G711.encodeMuLaw(Int16(10_000 * sin(2 * Double.pi * 1_000 * Double(i) / 8_000))) }
        }
        return rtpPacket(pt: 0, seq: seq, ts: UInt32(seq) &* 160, ssrc: ssrc, payload: payload)
    }

    /// The fill bytes (whose picture) of the VP8 packets among datagrams.
    func pictures(_ packets: [[UInt8]]) -> [UInt8] { packets.filter { $0.count > 20 && $0[1] & 0x7F == 96 }.map { $0[14] } }

    @Test("voice-activated switching: the viewer sees whoever talks, switching at that talker's next keyframe")
    func voiceActivated() async throws {
        let rig = try ManualMediaRig()
        let conference = ConferenceID(tenant: "t", meeting: "va")
        try await rig.mcu.addConference(conference)
        let a = try #require(rig.phone()), b = try #require(rig.phone()), viewer = try #require(rig.phone())
        func join(_ phone: MemoryDatagramPort, _ name: String, _ direction: String) async throws -> (audio: Int, video: Int) {
            let answer = try await rig.mcu.addEndpoint(
                AddEndpointRequest(
                    conference: conference, endpoint: EndpointID(name), offer: offer(audio: phone.port, video: phone.port, direction: direction),
                    advertisedAddress: "127.0.0.1"))
            return (try #require(answer.media.first { $0.type == "audio" }?.localPort), try #require(answer.media.first { $0.type == "video" }?.localPort))
        }
        let aPorts = try await join(a, "a", "sendrecv")
        let bPorts = try await join(b, "b", "sendrecv")
        _ = try await join(viewer, "viewer", "recvonly")
        var seq: UInt16 = 0
        func run(ticks: Int, aTalks: Bool) {
            rig.tick(ticks) { _ in
                rig.send(pcmu(seq: seq, ssrc: 0xA1, loud: aTalks), from: a, to: aPorts.audio)
                rig.send(pcmu(seq: seq, ssrc: 0xB1, loud: !aTalks), from: b, to: bPorts.audio)
                let key = seq % 25 == 0  // a keyframe every 500 ms
                rig.send(vp8(seq: seq, ts: UInt32(seq) &* 3_000, ssrc: 0xA2, key: key, fill: 0xAA), from: a, to: aPorts.video)
                rig.send(vp8(seq: seq, ts: UInt32(seq) &* 3_000, ssrc: 0xB2, key: key, fill: 0xBB), from: b, to: bPorts.video)
                seq &+= 1
            }
        }
        run(ticks: 75, aTalks: true)
        let first = pictures(rig.drain(viewer))
        _ = rig.drain(a)
        _ = rig.drain(b)
        run(ticks: 100, aTalks: false)
        let second = rig.drain(viewer).filter { $0.count > 20 && $0[1] & 0x7F == 96 }.map { (fill: $0[14], key: $0[13] & 0x01 == 0) }
        let seenByB = pictures(rig.drain(b))
        await rig.shutdown()
        #expect(first.suffix(25).allSatisfy { $0 == 0xAA }, "A talks: the viewer sees A (at least since its keyframe at 1 s)")
        // B talks from tick 75 and becomes the speaker; the viewer switches at B's next keyframe (every 25th tick).
        let switched = try #require(second.firstIndex { $0.fill == 0xBB }, "the viewer never sees B: \(second.count) packets")
        #expect(second[switched].key, "the switch waits for B's keyframe")
        #expect([26, 51].contains(switched), "at B's first or second keyframe (with A's packet of that tick before it): \(switched)")
        #expect(second[..<switched].allSatisfy { $0.fill == 0xAA } && second[switched...].allSatisfy { $0.fill == 0xBB }, "one switch, A to B")
        #expect(second.count == 101, "a picture on every tick, and both on the switch's: \(second.count)")
        // While B talks, B (the active speaker) is shown the previous speaker, A.
        #expect(!seenByB.isEmpty && seenByB.suffix(25).allSatisfy { $0 == 0xAA }, "the active speaker sees the previous one")
    }

    func parse(_ p: [UInt8]) -> (seq: UInt16, ts: UInt32, ssrc: UInt32, pt: UInt8)? {
        guard p.count >= 12, p[1] & 0x7F == 96 else { return nil }
        return (UInt16(p[2]) << 8 | UInt16(p[3]), UInt32(p[4]) << 24 | UInt32(p[5]) << 16 | UInt32(p[6]) << 8 | UInt32(p[7]),
                UInt32(p[8]) << 24 | UInt32(p[9]) << 16 | UInt32(p[10]) << 8 | UInt32(p[11]), p[1] & 0x7F)
    }

    @Test("one stream per receiver: constant SSRC, continuous sequence across a pinned switch that waits for a keyframe; NACKs are answered")
    func switchAndNACK() async throws {
        let rig = try ManualMediaRig()
        let conference = ConferenceID(tenant: "t", meeting: "v")
        try await rig.mcu.addConference(conference)
        let a = try #require(rig.phone()), b = try #require(rig.phone()), viewer = try #require(rig.phone())
        let aAnswer = try await rig.mcu.addEndpoint(AddEndpointRequest(conference: conference, endpoint: EndpointID("a"), offer: offer(audio: a.port, video: a.port, direction: "sendonly"), advertisedAddress: "127.0.0.1"))
        let bAnswer = try await rig.mcu.addEndpoint(AddEndpointRequest(conference: conference, endpoint: EndpointID("b"), offer: offer(audio: b.port, video: b.port, direction: "sendonly"), advertisedAddress: "127.0.0.1"))
        let vAnswer = try await rig.mcu.addEndpoint(AddEndpointRequest(conference: conference, endpoint: EndpointID("viewer"), offer: offer(audio: rig.unusedPort(), video: viewer.port, direction: "recvonly"), advertisedAddress: "127.0.0.1"))
        let aVideo = try #require(aAnswer.media.first { $0.type == "video" }?.localPort)
        let bVideo = try #require(bAnswer.media.first { $0.type == "video" }?.localPort)
        let vVideo = try #require(vAnswer.media.first { $0.type == "video" }?.localPort)
        #expect(aVideo > 0 && bVideo > 0 && vVideo > 0, "\(aAnswer.media)")

        // A sends a keyframe then inter frames; the viewer, shown nothing yet, is shown A (the only video) from that very
        // first keyframe, although A latched only when it arrived (after the tick's choice of sources).
        rig.tick(20) { i in
            rig.send(vp8(seq: UInt16(1_000 + i), ts: UInt32(90_000 + i * 3_000), ssrc: 0xA, key: i == 0 || i == 10, fill: 0xAA), from: a, to: aVideo)
            rig.send(vp8(seq: UInt16(5_000 + i), ts: UInt32(7_000 + i * 3_000), ssrc: 0xB, key: false, fill: 0xBB), from: b, to: bVideo)
        }
        let fromA = rig.drain(viewer).compactMap(parse)
        #expect(fromA.count == 20, "all of A's packets, from its first keyframe on, reached the viewer: \(fromA.count)")
        let ssrc = try #require(fromA.first?.ssrc)
        #expect(fromA.allSatisfy { $0.ssrc == ssrc && $0.ssrc != 0xA })
        // Pin B: until B's keyframe the viewer still gets A; then B, continuing the same SSRC and sequence.
        _ = try await rig.mcu.modifyEndpoint(ModifyEndpointRequest(conference: conference, endpoint: EndpointID("b"), pinVideo: true))
        rig.tick(20) { j in
            let i = 20 + j
            rig.send(vp8(seq: UInt16(1_000 + i), ts: UInt32(90_000 + i * 3_000), ssrc: 0xA, key: false, fill: 0xAA), from: a, to: aVideo)
            rig.send(vp8(seq: UInt16(5_000 + i), ts: UInt32(7_000 + i * 3_000), ssrc: 0xB, key: i == 30, fill: 0xBB), from: b, to: bVideo)
        }
        let afterPackets = rig.drain(viewer)
        let after = afterPackets.compactMap(parse)
        #expect(after.allSatisfy { $0.ssrc == ssrc }, "the viewer sees one SSRC throughout")
        // A until B's keyframe (A's packet of that tick, read first, included), then B.
        let shown = pictures(afterPackets)
        #expect(shown == [UInt8](repeating: 0xAA, count: 11) + [UInt8](repeating: 0xBB, count: 10), "B from its keyframe on: \(shown)")
        let all = fromA + after
        let gaps = zip(all, all.dropFirst()).filter { $1.seq &- $0.seq != 1 }
        #expect(gaps.isEmpty, "sequence continuous across the switch: \(gaps.map { ($0.0.seq, $0.1.seq) })")

        // NACK (RFC 4585 generic NACK) for the last packet the viewer got: it comes again, byte for byte the same stream.
        let last = try #require(all.last)
        let nack: [UInt8] = [0x81, 205, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
                             UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xFF), UInt8((ssrc >> 8) & 0xFF), UInt8(ssrc & 0xFF),
                             UInt8(last.seq >> 8), UInt8(last.seq & 0xFF), 0x00, 0x00]
        rig.send(nack, from: viewer, to: vVideo)
        rig.tick(1)
        let resent = rig.drain(viewer).compactMap(parse)
        await rig.shutdown()
        #expect(resent.map(\.seq) == [last.seq] && resent.first?.ssrc == ssrc, "the NACKed packet was sent again, once: \(resent.map(\.seq))")
    }
}
