import AudioMixer
import Focus
import Foundation
import Logging
import MCUControl
import MediaCore
import OpusCodec
import SIP
import Testing
import TestSupport

/// The focus and an embedded MCU in this process, with real phones: control calls go through MCUControl.
@Suite("MCUControl with baresip", .serialized, .timeLimit(.minutes(2)))
struct MuteTests {
    @Test("muting an endpoint through MCUControl silences it for the others; statistics count every stream")
    func muteThroughControl() async throws {
        let server = try await InProcessServer.start()
        let (mcu, focus, port) = (server.mcu, server.focus, server.port)

        let tones: [Double] = [440, 1_000, 1_700]
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-mute-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let phones = try tones.enumerated().map {
            try BaresipInstance(user: "m\($0.offset)", tone: $0.element, recording: folder.appendingPathComponent("m\($0.offset).wav"))
        }
        defer { phones.forEach { $0.stop() } }
        for phone in phones { try phone.dial("sip:room1@127.0.0.1:\(port)") }
        for phone in phones { _ = try phone.waitUntilEstablished(timeout: 10) }

        // Mute the third phone at the MCU (ingress filter).
        let conference = ConferenceID(tenant: "default", meeting: "room1")
        // The phone sees the 200 OK a moment before the focus has filed the dialog.
        for _ in 0..<100 where focus.participantCount < 3 { try await Task.sleep(for: .milliseconds(20)) }
        let roster = await focus.liveConference(tenant: "default", id: "room1")?.roster ?? []
        #expect(focus.participantCount == 3, "\(roster.map { ($0.uri, $0.status) })")
        #expect(roster.allSatisfy { $0.status == .connected && $0.role == .attendee })
        let statsBefore = try #require(await mcu.statistics(conference))
        let muted = try #require(statsBefore.endpoints.first { $0.label.contains("m2@") })
        _ = try await mcu.modifyEndpoint(ModifyEndpointRequest(conference: conference, endpoint: muted.endpoint, muted: true))

        try await Task.sleep(for: .seconds(6))
        let stats = try #require(await mcu.statistics(conference))
        for phone in phones { try? phone.hangup() }
        for phone in phones { _ = phone.waitUntilClosed(timeout: 5) }
        for phone in phones { phone.stop() }
        await server.stop()

        #expect(stats.endpoints.count == 3)
        #expect(stats.endpoints.allSatisfy { $0.packetsReceived > 100 && $0.packetsSent > 100 }, "\(stats.endpoints)")
        #expect(stats.endpoints.first { $0.endpoint == muted.endpoint }?.muted == true)
        // RTCP: our SR went out and the phones' reports came back with a round-trip time (RFC 3550 §6.4.1).
        #expect(stats.endpoints.allSatisfy { $0.rtcpSent >= 1 && $0.rtcpReceived >= 1 }, "\(stats.endpoints.map { ($0.rtcpSent, $0.rtcpReceived) })")
        print("RTT: \(stats.endpoints.map { $0.roundTripMilliseconds.map { String($0) } ?? "-" })")
        // 20 ms ticks against a monotonic reference: about 50 per second, however late some start on a busy machine.
        #expect(stats.ticks >= 150, "ticks \(stats.ticks)")
        print("ticks \(stats.ticks), late \(stats.lateTicks)")
        let heard = try phones.map { try $0.receivedLevels(candidates: tones) }
        for (i, h) in heard.enumerated() { print("m\(i) heard \(h)") }
        #expect(heard[0].hears(1_000) && heard[0].lacks(1_700), "the muted phone is not heard: \(heard[0])")
        #expect(heard[1].hears(440) && heard[1].lacks(1_700), "the muted phone is not heard: \(heard[1])")
        #expect(heard[2].hears(440) && heard[2].hears(1_000), "the muted phone still hears the others: \(heard[2])")
    }
}
