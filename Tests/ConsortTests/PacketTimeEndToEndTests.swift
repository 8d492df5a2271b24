import Focus
import Foundation
import MCUControl
import Testing
import TestSupport

/// Issue 10, "any common packet time", end to end with real clients: sipp places a call whose offer says
/// `a=ptime`/`a=maxptime`, ffmpeg (libopus `-frame_duration`) sends a tone from the address that offer named to the port
/// the MCU answered, and a baresip phone in the same meeting records what it receives. The tone it heard must last as
/// long as the one sent, at the level sent, with no gap and no glitch: a 40 ms packet played for only 20 ms shows as
/// gaps (or the tone at half length), a mis-timed one as glitches.
@Suite("Packet times end to end (ffmpeg sends, baresip hears)", .serialized, .timeLimit(.minutes(4)))
struct PacketTimeEndToEndTests {
    /// 10.6 cycles per 20 ms: a skipped or repeated stretch is a phase jump, not a whole number of cycles.
    static let frequency = 530.0
    static let amplitude = 0.3
    static let toneSeconds = 4.0

    /// ffmpeg's arguments: `toneSeconds` of the tone in real time, Opus in `milliseconds` frames, plain RTP with payload
    /// type 111 from `localPort` (and its RTCP from the next) to the MCU's `port`.
    static func ffmpegArguments(milliseconds: Int, localPort: Int, port: Int) -> [String] {
        [
            "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi",
            "-i", "aevalsrc=\(amplitude)*sin(2*PI*\(frequency)*t):s=48000:d=\(toneSeconds)",
            "-ac", "1", "-c:a", "libopus", "-b:a", "64k", "-application", "audio", "-frame_duration", "\(milliseconds)",
            "-payload_type", "111", "-f", "rtp", "rtp://127.0.0.1:\(port)?localrtpport=\(localPort)&localrtcpport=\(localPort + 1)",
        ]
    }

    @Test(
        "an Opus tone sent by ffmpeg in 10, 20, 40 or 60 ms packets reaches a baresip listener whole: its length, its level, no gap, no glitch",
        arguments: [10, 20, 40, 60])
    func opusPacketTime(_ milliseconds: Int) async throws {
        let ffmpeg = try #require(tool("ffmpeg"), "ffmpeg is not installed: run `make deps`")
        let server = try await InProcessServer.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-ptime-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let localPort = freePortBlock(count: 2)
        let media = """
            m=audio \(localPort) RTP/AVP 111
            a=rtpmap:111 opus/48000/2
            a=fmtp:111 minptime=10;useinbandfec=1
            a=ptime:\(milliseconds)
            a=maxptime:\(milliseconds)
            """
        let sipp = try FocusSipp.launch(
            "invite-media", port: server.port, service: "ptime", domain: "consort.test", user: "ffmpeg",
            fill: ["MEDIA": media, "ANSWER_CHECK": "m=audio [0-9]+ RTP/AVP 111", "AFTER": FocusAdmissionTests.awaitBye], timeout: 60,
            directory: folder)
        let listener = try BaresipInstance(
            user: "listener", tone: 440, codecs: .opus, recording: folder.appendingPathComponent("listener.wav"), amplitude: 0)
        var sent: (status: Int32, output: String) = (-1, "")
        var statistics: EndpointStatistics?
        do {
            defer { listener.stop() }
            let (conference, caller) = try #require(
                try await server.rosterEntry(meeting: "ptime") { $0.status == .connected }, "sipp's call was not answered")
            let port = try #require(caller.media.first { $0.type == "audio" }?.localPort)
            try listener.dial("sip:ptime@127.0.0.1:\(server.port)")
            try listener.waitUntilEstablished(timeout: 10)
            try await Task.sleep(for: .milliseconds(500))
            sent = try runProgram(
                ffmpeg, Self.ffmpegArguments(milliseconds: milliseconds, localPort: localPort, port: port), timeout: Self.toneSeconds + 10)
            try await Task.sleep(for: .milliseconds(700))
            statistics = await server.mcu.statistics(conference.id)?.endpoints.first { $0.endpoint == caller.endpoint }
            try? listener.hangup()
            _ = listener.waitUntilClosed(timeout: 5)
        } catch {
            _ = stopProgram(sipp)
            await server.stop()
            throw error
        }
        await server.stop()
        let call = waitForProgram(sipp, timeout: 10)
        #expect(call.status == 0, "sipp: \(call.output.suffix(1_000))")
        #expect(sent.status == 0, "ffmpeg: \(sent.output.suffix(1_000))")

        // The MCU got the packets of that packet time (ffmpeg really sent them so).
        let expected = Self.toneSeconds * 1_000 / Double(milliseconds)
        let received = Double(statistics?.packetsReceived ?? 0)
        #expect(abs(received - expected) <= 0.1 * expected, "\(received) packets from ffmpeg, \(expected) expected of \(milliseconds) ms")

        let recording = try listener.receivedAudio()
        let fit = ToneFit(recording, frequency: Self.frequency, blockSamples: recording.sampleRate / 100)
        let peak = fit.blocks.map(\.amplitude).max() ?? 0
        let loud = fit.blocks.filter { $0.amplitude >= 0.5 * peak }
        let first = try #require(loud.first, "the listener heard no tone")
        let last = try #require(loud.last)
        let block = recording.sampleRate / 100
        let span = first.start..<(last.start + block)
        let seconds = Double(span.count) / Double(recording.sampleRate)
        let steady = (span.lowerBound + recording.sampleRate / 5)..<(span.upperBound - recording.sampleRate / 5)
        let median = ToneFit.medianAmplitude(fit.blocks(in: steady))
        let held = fit.toneSeconds(atLeast: 0.5, of: median)
        let worst = fit.worst(in: steady)
        let level = 20 * log10(median / (Self.amplitude * 32_768))
        let label = "\(milliseconds) ms"
        print(
            "\(label): heard \(seconds) s, at half level or more \(held) s, level \(level) dB of sent, lowest block \(worst.lowestLevel), "
                + "largest residual \(worst.largestResidual); MCU: \(received) packets, concealed \(statistics?.concealedFrames ?? 0)")
        #expect(abs(seconds - Self.toneSeconds) <= 0.1, "\(label): tone lasted \(seconds) s, sent \(Self.toneSeconds) s")
        #expect(abs(held - Self.toneSeconds) <= 0.1, "\(label): tone at half level or more for \(held) s, sent \(Self.toneSeconds) s")
        #expect(abs(level) <= 3, "\(label): heard at \(level) dB of the level sent")
        // Clean runs show at most one blip (a jitter-buffer adjustment in the MCU or baresip): a block at 0.65 of the level,
        // a residual of 0.25. A packet played short or overlapped gives blocks near 0 and residuals near 1.
        #expect(worst.lowestLevel >= 0.4, "\(label): a gap: a 10 ms block at \(worst.lowestLevel) of the tone's level")
        #expect(worst.largestResidual <= 0.45, "\(label): a glitch: residual \(worst.largestResidual) of the tone's level")
    }
}
