import Focus
import Foundation
import MCUControl
import Testing
import TestSupport

/// Video with real softphones (issue 10 §2): three baresip phones send and receive VP8 in one meeting of an in-process
/// focus and MCU. One of them talks, so it is the active speaker whose own video is shown to the others; it must still
/// receive someone's video (the bug: the active speaker received none). Reception is read on both sides: the MCU's
/// per-endpoint count of video packets forwarded, and each phone's log line for decoded pictures.
@Suite("Video with baresip", .serialized, .timeLimit(.minutes(2)))
struct ConferenceVideoTests {
    @Test("three baresip phones with VP8 in one meeting: every one receives and decodes video, the active speaker too")
    func everyoneSeesVideo() async throws {
        let server = try await InProcessServer.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-video-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // v0 talks (a tone); v1 and v2 send silence, so v0 is the one active speaker.
        var phones: [BaresipInstance] = []
        defer { phones.forEach { $0.stop() } }
        for i in 0..<3 {
            phones.append(
                try BaresipInstance(
                    user: "v\(i)", tone: 440, codecs: .opus, recording: folder.appendingPathComponent("v\(i).wav"),
                    amplitude: i == 0 ? 0.3 : 0, video: true))
        }
        for phone in phones {
            try phone.dial("sip:videoroom@127.0.0.1:\(server.port)")
            _ = try phone.waitUntilEstablished(timeout: 10)
        }
        try await Task.sleep(for: .seconds(4))
        let conference = server.focus.liveConference(tenant: "default", id: "videoroom")
        let roster = await conference?.roster ?? []
        var statistics: ConferenceStatistics?
        if let conference { statistics = await server.mcu.statistics(conference.id) }
        for phone in phones { try? phone.hangup() }
        for phone in phones { _ = phone.waitUntilClosed(timeout: 5) }
        for phone in phones { phone.stop() }
        await server.stop()

        let endpoints = try #require(statistics?.endpoints, "the meeting was live")
        #expect(endpoints.count == 3)
        for phone in phones {
            let entry = roster.first { $0.uri.hasPrefix("sip:\(phone.user)@") }
            let stats = endpoints.first { $0.endpoint == entry?.endpoint }
            #expect(entry?.media.contains { $0.type == "video" && $0.accepted } == true, "\(phone.user): video accepted: \(entry?.media ?? [])")
            print(
                "\(phone.user): speaking \(stats?.speaking ?? false), video in \(stats?.videoPacketsReceived ?? 0), "
                    + "forwarded to it \(stats?.videoPacketsForwarded ?? 0), decoded \(phone.receivedVideo)")
            #expect((stats?.videoPacketsReceived ?? 0) > 20, "\(phone.user) sent video to the MCU: \(String(describing: stats))")
            #expect((stats?.videoPacketsForwarded ?? 0) > 20, "the MCU forwarded video to \(phone.user)")
            #expect(phone.receivedVideo, "\(phone.user) decoded video; log:\n\(phone.logText.suffix(1_500))")
        }
        let talker = roster.first { $0.uri.hasPrefix("sip:v0@") }
        #expect(endpoints.first { $0.endpoint == talker?.endpoint }?.speaking == true, "v0 is the active speaker: \(endpoints)")
    }
}
