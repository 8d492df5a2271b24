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
        let rig = try ManualMediaRig()
        let conference = ConferenceID(tenant: "t", meeting: "lobby-video")
        try await rig.mcu.addConference(conference)
        let a = try #require(rig.phone()), b = try #require(rig.phone()), viewer = try #require(rig.phone())
        func join(_ phone: MemoryDatagramPort, _ name: String, _ direction: String, mode: EndpointMode = .conference) async throws -> Int {
            let answer = try await rig.mcu.addEndpoint(
                AddEndpointRequest(
                    conference: conference, endpoint: EndpointID(name), offer: rules.offer(audio: phone.port, video: phone.port, direction: direction),
                    advertisedAddress: "127.0.0.1", mode: mode))
            return try #require(answer.media.first { $0.type == "video" }?.localPort)
        }
        let bVideo = try await join(b, "b", "sendrecv")
        let aVideo = try await join(a, "a", "sendrecv", mode: .isolated)
        _ = try await join(viewer, "viewer", "recvonly")
        _ = try await rig.mcu.modifyEndpoint(ModifyEndpointRequest(conference: conference, endpoint: EndpointID("a"), pinVideo: true))
        var seq: UInt16 = 0
        func send(ticks: Int) {
            rig.tick(ticks) { _ in
                let key = seq % 10 == 0
                rig.send(rules.vp8(seq: seq, ts: UInt32(seq) &* 3_000, ssrc: 0xA2, key: key, fill: 0xAA), from: a, to: aVideo)
                rig.send(rules.vp8(seq: seq, ts: UInt32(seq) &* 3_000, ssrc: 0xB2, key: key, fill: 0xBB), from: b, to: bVideo)
                seq &+= 1
            }
        }
        func video(_ phone: MemoryDatagramPort) -> [UInt8] { rules.pictures(rig.drain(phone)) }

        send(ticks: 40)
        let isolatedViewer = video(viewer), isolatedA = video(a)
        // B from its first keyframe (in the tick that latched it).
        #expect(isolatedViewer == [UInt8](repeating: 0xBB, count: 40), "the pinned but isolated A is not shown, B is: \(isolatedViewer)")
        #expect(isolatedA.isEmpty, "isolated A is sent no video: \(isolatedA.count) packets")

        _ = try await rig.mcu.modifyEndpoint(ModifyEndpointRequest(conference: conference, endpoint: EndpointID("a"), mode: .conference))
        send(ticks: 40)
        let admittedViewer = video(viewer), admittedA = video(a)
        await rig.shutdown()
        // Admitted on a keyframe tick: the pin on A applies from A's keyframe, and A is shown B from B's.
        let shownA = admittedViewer.drop { $0 == 0xBB }
        #expect(shownA.elementsEqual([UInt8](repeating: 0xAA, count: 40)), "admitted, the pin on A applies again: \(admittedViewer)")
        #expect(admittedA == [UInt8](repeating: 0xBB, count: 40), "admitted, A sees B: \(admittedA)")
    }
}
