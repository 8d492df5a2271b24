import Foundation
import MCUControl
import MediaCore
import Testing
import TestSupport

/// Video for everyone who can see (issue 10 §2): before anyone has spoken every sender sees the most recent other
/// sender; switches happen at a keyframe whose early (reordered) packets are kept; padding-only packets are dropped
/// without a gap; forwarded video gets RTCP sender reports. On manual ticks.
@Suite("Video for everyone", .serialized, .timeLimit(.minutes(1)))
struct VideoForEveryoneTests {
    let rules = VideoRulesTests()

    struct Phone {
        let port: MemoryDatagramPort
        let audio: Int
        let video: Int
    }

    func join(_ rig: ManualMediaRig, _ conference: ConferenceID, _ name: String, direction: String = "sendrecv") async throws -> Phone {
        let port = try #require(rig.phone())
        let answer = try await rig.mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID(name), offer: rules.offer(audio: port.port, video: port.port, direction: direction),
                advertisedAddress: "127.0.0.1"))
        return Phone(
            port: port, audio: try #require(answer.media.first { $0.type == "audio" }?.localPort),
            video: try #require(answer.media.first { $0.type == "video" }?.localPort))
    }

    /// Video packets (payload type 96) in what a phone received, as (sequence number, fill byte of the picture).
    func video(_ packets: [[UInt8]]) -> [(sequence: UInt16, fill: UInt8)] {
        packets.filter { $0.count > 14 && $0[1] & 0x7F == 96 }.map { (UInt16($0[2]) << 8 | UInt16($0[3]), $0[$0.count - 1]) }
    }

    @Test("three senders, nobody has spoken: each receives video (the most recent other sender), none is left blank")
    func nobodyBlank() async throws {
        let rig = try ManualMediaRig()
        let conference = ConferenceID(tenant: "t", meeting: "three")
        try await rig.mcu.addConference(conference)
        let phones = [try await join(rig, conference, "a"), try await join(rig, conference, "b"), try await join(rig, conference, "c")]
        let fills: [UInt8] = [0xA0, 0xB0, 0xC0]
        rig.tick(75) { n in
            let seq = UInt16(n)
            for (i, phone) in phones.enumerated() {
                // Silence on audio: nobody becomes the speaker.
                rig.send(rules.pcmu(seq: seq, ssrc: 0x100 + UInt32(i), loud: false), from: phone.port, to: phone.audio)
                rig.send(
                    rules.vp8(seq: seq, ts: UInt32(seq) &* 3_000, ssrc: 0x200 + UInt32(i), key: n % 10 == 0, fill: fills[i]),
                    from: phone.port, to: phone.video)
            }
        }
        let received = phones.map { video(rig.drain($0.port)) }
        await rig.shutdown()
        for (i, packets) in received.enumerated() {
            // Shown from the senders' first keyframe, although it arrived in the tick that latched them (after that
            // tick's choice of sources).
            #expect(packets.count == 75, "phone \(i) receives video: \(packets.count) packets")
            #expect(!packets.contains { $0.fill == fills[i] }, "phone \(i) is not shown itself")
        }
    }

    @Test("a keyframe that arrives out of order is forwarded whole; padding-only packets are dropped and leave no gap")
    func earlyPacketsAndPadding() async throws {
        let rig = try ManualMediaRig()
        let conference = ConferenceID(tenant: "t", meeting: "reorder")
        try await rig.mcu.addConference(conference)
        let source = try await join(rig, conference, "source", direction: "sendonly")
        let viewer = try await join(rig, conference, "viewer", direction: "recvonly")
        // The viewer shows life so video may go to it.
        rig.send(rules.pcmu(seq: 1, ssrc: 0x99, loud: false), from: viewer.port, to: viewer.audio)
        // A delta frame first (latches the source, and asks for a keyframe), then a keyframe of three packets whose
        // second and third arrive a tick before its first.
        rig.send(rules.vp8(seq: 10, ts: 1_000, ssrc: 0x5, key: false, fill: 0x01), from: source.port, to: source.video)
        rig.tick(3)
        let continuation: (UInt16, UInt8) -> [UInt8] = { seq, fill in
            // A continuation packet of the same picture: S=0.
            rtpPacket(pt: 96, seq: seq, ts: 4_000, ssrc: 0x5, payload: [0x00, 0x00] + [UInt8](repeating: fill, count: 100))
        }
        rig.send(continuation(12, 0x12), from: source.port, to: source.video)
        rig.send(continuation(13, 0x13), from: source.port, to: source.video)
        rig.tick(2)
        rig.send(rules.vp8(seq: 11, ts: 4_000, ssrc: 0x5, key: true, fill: 0x11), from: source.port, to: source.video)
        rig.tick(2)
        // Then a padding-only packet (P bit, 4 bytes of padding, no payload) between two delta frames.
        rig.send(rules.vp8(seq: 14, ts: 7_000, ssrc: 0x5, key: false, fill: 0x14), from: source.port, to: source.video)
        var padding = rtpPacket(pt: 96, seq: 15, ts: 7_000, ssrc: 0x5, payload: [0, 0, 0, 4])
        padding[0] |= 0x20
        rig.send(padding, from: source.port, to: source.video)
        rig.send(rules.vp8(seq: 16, ts: 10_000, ssrc: 0x5, key: false, fill: 0x16), from: source.port, to: source.video)
        rig.tick(1)
        let received = video(rig.drain(viewer.port))
        let stats = await rig.mcu.statistics(conference)
        await rig.shutdown()
        #expect(received.map(\.fill) == [0x11, 0x12, 0x13, 0x14, 0x16], "the whole keyframe, then the frames without the padding: \(received.map(\.fill))")
        let sequences = received.map(\.sequence)
        let gaps = zip(sequences, sequences.dropFirst()).filter { $1 != $0 &+ 1 }
        #expect(gaps.isEmpty, "the viewer's sequence has no gap: \(sequences)")
        #expect(stats?.endpoints.first { $0.endpoint == EndpointID("viewer") }?.videoPacketsForwarded == 5)
    }

    @Test("forwarded video gets RTCP sender reports (SR with the stream's SSRC) about once a second")
    func senderReports() async throws {
        let rig = try ManualMediaRig()
        let conference = ConferenceID(tenant: "t", meeting: "sr")
        try await rig.mcu.addConference(conference)
        let source = try await join(rig, conference, "source", direction: "sendonly")
        let viewer = try await join(rig, conference, "viewer", direction: "recvonly")
        var forwardedSSRC: UInt32?
        var forwarded = 0
        var reports: [[UInt8]] = []
        // Collected every tick: a memory port holds 256 datagrams, as a socket buffer holds so many.
        func collect() {
            for packet in rig.drain(viewer.port) {
                if packet.count > 12 && packet[1] & 0x7F == 96 {
                    forwardedSSRC = UInt32(packet[8]) << 24 | UInt32(packet[9]) << 16 | UInt32(packet[10]) << 8 | UInt32(packet[11])
                    forwarded += 1
                } else if packet.count >= 28 && packet[1] == 200 {
                    reports.append(packet)
                }
            }
        }
        rig.tick(125) { n in
            collect()
            let seq = UInt16(n)
            rig.send(rules.pcmu(seq: seq, ssrc: 0x99, loud: false), from: viewer.port, to: viewer.audio)
            rig.send(rules.vp8(seq: seq, ts: UInt32(seq) &* 3_000, ssrc: 0x5, key: n % 10 == 0), from: source.port, to: source.video)
        }
        collect()
        await rig.shutdown()
        let ssrc = try #require(forwardedSSRC)
        let videoReports = reports.filter { UInt32($0[4]) << 24 | UInt32($0[5]) << 16 | UInt32($0[6]) << 8 | UInt32($0[7]) == ssrc }
        // About once a second, from a random offset: 2 or 3 in 2.5 s.
        #expect((2...3).contains(videoReports.count), "SRs for the forwarded stream: \(videoReports.count) of \(reports.count) SRs")
        if let sr = videoReports.last {
            let packets = UInt32(sr[20]) << 24 | UInt32(sr[21]) << 16 | UInt32(sr[22]) << 8 | UInt32(sr[23])
            #expect(packets > 10 && packets <= forwarded, "the SR counts the packets forwarded: \(packets) of \(forwarded)")
        }
    }
}
