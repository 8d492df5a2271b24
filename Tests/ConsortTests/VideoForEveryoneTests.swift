import Foundation
import MCUControl
import MediaCore
import Testing
import TestSupport

/// Video for everyone who can see (issue 10 §2): before anyone has spoken every sender sees the most recent other
/// sender; switches happen at a keyframe whose early (reordered) packets are kept; padding-only packets are dropped
/// without a gap; forwarded video gets RTCP sender reports.
@Suite("Video for everyone", .serialized, .timeLimit(.minutes(1)))
struct VideoForEveryoneTests {
    let rules = VideoRulesTests()

    struct Phone {
        let peer: TestPeer
        let audio: Int
        let video: Int
    }

    func join(_ mcu: EmbeddedMCU, _ conference: ConferenceID, _ name: String, direction: String = "sendrecv") async throws -> Phone {
        let peer = TestPeer()
        let answer = try await mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID(name), offer: rules.offer(audio: peer.port, video: peer.port, direction: direction),
                advertisedAddress: "127.0.0.1"))
        return Phone(
            peer: peer, audio: try #require(answer.media.first { $0.type == "audio" }?.localPort),
            video: try #require(answer.media.first { $0.type == "video" }?.localPort))
    }

    /// Video packets (payload type 96) in what a phone received, as (sequence number, fill byte of the picture).
    func video(_ packets: [[UInt8]]) -> [(sequence: UInt16, fill: UInt8)] {
        packets.filter { $0.count > 14 && $0[1] & 0x7F == 96 }.map { (UInt16($0[2]) << 8 | UInt16($0[3]), $0[$0.count - 1]) }
    }

    @Test("three senders, nobody has spoken: each receives video (the most recent other sender), none is left blank")
    func nobodyBlank() async throws {
        let (mcu, _) = try MediaEndpointTests().makeMCU()
        let conference = ConferenceID(tenant: "t", meeting: "three")
        try await mcu.addConference(conference)
        let phones = [try await join(mcu, conference, "a"), try await join(mcu, conference, "b"), try await join(mcu, conference, "c")]
        let fills: [UInt8] = [0xA0, 0xB0, 0xC0]
        for n in 0..<75 {
            let seq = UInt16(n)
            for (i, phone) in phones.enumerated() {
                // Silence on audio: nobody becomes the speaker.
                phone.peer.send(rules.pcmu(seq: seq, ssrc: 0x100 + UInt32(i), loud: false), to: phone.audio)
                phone.peer.send(rules.vp8(seq: seq, ts: UInt32(seq) &* 3_000, ssrc: 0x200 + UInt32(i), key: n % 10 == 0, fill: fills[i]), to: phone.video)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let received = phones.map { video($0.peer.drain()) }
        await mcu.shutdown()
        for (i, packets) in received.enumerated() {
            #expect(packets.count >= 20, "phone \(i) receives video: \(packets.count) packets")
            #expect(!packets.contains { $0.fill == fills[i] }, "phone \(i) is not shown itself")
        }
    }

    @Test("a keyframe that arrives out of order is forwarded whole; padding-only packets are dropped and leave no gap")
    func earlyPacketsAndPadding() async throws {
        let (mcu, _) = try MediaEndpointTests().makeMCU()
        let conference = ConferenceID(tenant: "t", meeting: "reorder")
        try await mcu.addConference(conference)
        let source = try await join(mcu, conference, "source", direction: "sendonly")
        let viewer = try await join(mcu, conference, "viewer", direction: "recvonly")
        // The viewer shows life so video may go to it.
        viewer.peer.send(rules.pcmu(seq: 1, ssrc: 0x99, loud: false), to: viewer.audio)
        // A delta frame first (latches the source, and asks for a keyframe), then a keyframe of three packets whose
        // second and third arrive before its first.
        source.peer.send(rules.vp8(seq: 10, ts: 1_000, ssrc: 0x5, key: false, fill: 0x01), to: source.video)
        try await Task.sleep(for: .milliseconds(60))
        let continuation: (UInt16, UInt8) -> [UInt8] = { seq, fill in
            // A continuation packet of the same picture: S=0.
            rtpPacket(pt: 96, seq: seq, ts: 4_000, ssrc: 0x5, payload: [0x00, 0x00] + [UInt8](repeating: fill, count: 100))
        }
        source.peer.send(continuation(12, 0x12), to: source.video)
        source.peer.send(continuation(13, 0x13), to: source.video)
        try await Task.sleep(for: .milliseconds(40))
        source.peer.send(rules.vp8(seq: 11, ts: 4_000, ssrc: 0x5, key: true, fill: 0x11), to: source.video)
        try await Task.sleep(for: .milliseconds(40))
        // Then a padding-only packet (P bit, 4 bytes of padding, no payload) between two delta frames.
        source.peer.send(rules.vp8(seq: 14, ts: 7_000, ssrc: 0x5, key: false, fill: 0x14), to: source.video)
        var padding = rtpPacket(pt: 96, seq: 15, ts: 7_000, ssrc: 0x5, payload: [0, 0, 0, 4])
        padding[0] |= 0x20
        source.peer.send(padding, to: source.video)
        source.peer.send(rules.vp8(seq: 16, ts: 10_000, ssrc: 0x5, key: false, fill: 0x16), to: source.video)
        try await Task.sleep(for: .milliseconds(80))
        let received = video(viewer.peer.drain())
        let stats = await mcu.statistics(conference)
        await mcu.shutdown()
        #expect(received.map(\.fill) == [0x11, 0x12, 0x13, 0x14, 0x16], "the whole keyframe, then the frames without the padding: \(received.map(\.fill))")
        let sequences = received.map(\.sequence)
        let gaps = zip(sequences, sequences.dropFirst()).filter { $1 != $0 &+ 1 }
        #expect(gaps.isEmpty, "the viewer's sequence has no gap: \(sequences)")
        #expect(stats?.endpoints.first { $0.endpoint == EndpointID("viewer") }?.videoPacketsForwarded == 5)
    }

    @Test("forwarded video gets RTCP sender reports (SR with the stream's SSRC) about once a second")
    func senderReports() async throws {
        let (mcu, _) = try MediaEndpointTests().makeMCU()
        let conference = ConferenceID(tenant: "t", meeting: "sr")
        try await mcu.addConference(conference)
        let source = try await join(mcu, conference, "source", direction: "sendonly")
        let viewer = try await join(mcu, conference, "viewer", direction: "recvonly")
        var forwardedSSRC: UInt32?
        var reports: [[UInt8]] = []
        for n in 0..<125 {
            let seq = UInt16(n)
            viewer.peer.send(rules.pcmu(seq: seq, ssrc: 0x99, loud: false), to: viewer.audio)
            source.peer.send(rules.vp8(seq: seq, ts: UInt32(seq) &* 3_000, ssrc: 0x5, key: n % 10 == 0), to: source.video)
            try await Task.sleep(for: .milliseconds(20))
            for packet in viewer.peer.drain() {
                if packet.count > 12 && packet[1] & 0x7F == 96 {
                    forwardedSSRC = UInt32(packet[8]) << 24 | UInt32(packet[9]) << 16 | UInt32(packet[10]) << 8 | UInt32(packet[11])
                } else if packet.count >= 28 && packet[1] == 200 {
                    reports.append(packet)
                }
            }
        }
        await mcu.shutdown()
        let ssrc = try #require(forwardedSSRC)
        let videoReports = reports.filter { UInt32($0[4]) << 24 | UInt32($0[5]) << 16 | UInt32($0[6]) << 8 | UInt32($0[7]) == ssrc }
        #expect(videoReports.count >= 1, "SRs for the forwarded stream: \(videoReports.count) of \(reports.count) SRs")
        if let sr = videoReports.last {
            let packets = UInt32(sr[20]) << 24 | UInt32(sr[21]) << 16 | UInt32(sr[22]) << 8 | UInt32(sr[23])
            #expect(packets > 10, "the SR counts the packets forwarded: \(packets)")
        }
    }
}
