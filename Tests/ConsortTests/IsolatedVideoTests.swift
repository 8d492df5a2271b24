import MCUControl
import MediaCore
import Testing
import TestSupport

/// An isolated endpoint's video is shown to nobody (not even when pinned), and it is shown nobody's; admitted, both.
@Suite("Video of isolated endpoints", .serialized, .timeLimit(.minutes(1)))
struct IsolatedVideoTests {
    @Test("an isolated endpoint's video is not forwarded and it receives none; admitted, its pin applies and it sees others")
    func isolatedVideo() async throws {
        let rules = VideoRulesTests()
        let (mcu, _) = try MediaEndpointTests().makeMCU()
        let conference = ConferenceID(tenant: "t", meeting: "lobby-video")
        try await mcu.addConference(conference)
        let a = TestPeer(), b = TestPeer(), viewer = TestPeer()
        func join(_ peer: TestPeer, _ name: String, _ direction: String, mode: EndpointMode = .conference) async throws -> Int {
            let answer = try await mcu.addEndpoint(
                AddEndpointRequest(
                    conference: conference, endpoint: EndpointID(name), offer: rules.offer(audio: peer.port, video: peer.port, direction: direction),
                    advertisedAddress: "127.0.0.1", mode: mode))
            return try #require(answer.media.first { $0.type == "video" }?.localPort)
        }
        let bVideo = try await join(b, "b", "sendrecv")
        let aVideo = try await join(a, "a", "sendrecv", mode: .isolated)
        _ = try await join(viewer, "viewer", "recvonly")
        _ = try await mcu.modifyEndpoint(ModifyEndpointRequest(conference: conference, endpoint: EndpointID("a"), pinVideo: true))
        var seq: UInt16 = 0
        func send(ticks: Int) async throws {
            for _ in 0..<ticks {
                let key = seq % 10 == 0
                a.send(rules.vp8(seq: seq, ts: UInt32(seq) &* 3_000, ssrc: 0xA2, key: key, fill: 0xAA), to: aVideo)
                b.send(rules.vp8(seq: seq, ts: UInt32(seq) &* 3_000, ssrc: 0xB2, key: key, fill: 0xBB), to: bVideo)
                seq &+= 1
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Task.sleep(for: .milliseconds(60))
        }
        func video(_ peer: TestPeer) -> [UInt8] { peer.drain().filter { $0.count > 20 && $0[1] & 0x7F == 96 }.map { $0[14] } }

        try await send(ticks: 40)
        let isolatedViewer = video(viewer), isolatedA = video(a)
        #expect(!isolatedViewer.isEmpty && !isolatedViewer.contains(0xAA), "the pinned but isolated A is not shown: \(Set(isolatedViewer))")
        #expect(isolatedA.isEmpty, "isolated A is sent no video: \(isolatedA.count) packets")

        _ = try await mcu.modifyEndpoint(ModifyEndpointRequest(conference: conference, endpoint: EndpointID("a"), mode: .conference))
        try await send(ticks: 40)
        let admittedViewer = video(viewer), admittedA = video(a)
        await mcu.shutdown()
        #expect(admittedViewer.suffix(10).allSatisfy { $0 == 0xAA }, "admitted, the pin on A applies again")
        #expect(admittedA.count >= 10 && admittedA.suffix(10).allSatisfy { $0 == 0xBB }, "admitted, A sees B: \(admittedA.count)")
    }
}
