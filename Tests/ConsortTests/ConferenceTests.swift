import Foundation
import Testing
import TestSupport

/// Real softphones in a real meeting: baresip instances call `consort serve` on loopback, each plays its own tone,
/// and each recording must hold everyone else's tone and not its own (the MCU's mix-minus), in Opus, over
/// SDES-SRTP and with a G.711 phone among Opus ones; a participant of another meeting hears none of them.
@Suite("Conferences with baresip", .serialized, .timeLimit(.minutes(3)))
struct ConferenceTests {
    static let tones: [Double] = [440, 1_000, 1_700]

    struct Server {
        let process: (Process, URL)
        let port: Int
    }

    func startServer() async throws -> Server {
        let port = freePort()
        let server = try launchProgram(
            consortBinary,
            ["serve", "--config", packageRoot.appendingPathComponent("Config/consort.yaml").path, "--sip-address", "127.0.0.1",
             "--sip-port", "\(port)", "--rtp-ports", "\(port + 100)-\(port + 400)", "--admin-port", "0", "--log-level", "info"])
        for _ in 0..<200 {
            if let log = try? String(contentsOf: server.1, encoding: .utf8), log.contains("accepting calls") { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        return Server(process: server, port: port)
    }

    /// Phones join their meetings, talk for `seconds`, hang up; returns what each heard.
    func meeting(_ phones: [(user: String, tone: Double, codecs: BaresipCodecs, srtp: Bool, meeting: String)], seconds: Double = 5)
        async throws -> (levels: [ToneLevels], afterGreeting: [ToneLevels], serverLog: String)
    {
        let server = try await startServer()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-conf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var instances: [BaresipInstance] = []
        defer {
            for phone in instances { phone.stop() }
        }
        for p in phones {
            instances.append(
                try BaresipInstance(
                    user: p.user, tone: p.tone, codecs: p.codecs, srtp: p.srtp,
                    recording: folder.appendingPathComponent("\(p.user).wav")))
        }
        for (phone, p) in zip(instances, phones) { try phone.dial("sip:\(p.meeting)@127.0.0.1:\(server.port)") }
        for phone in instances { _ = try phone.waitUntilEstablished(timeout: 10) }
        try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        for phone in instances { try? phone.hangup() }
        for phone in instances { _ = phone.waitUntilClosed(timeout: 5) }
        for phone in instances { phone.stop() }
        let stopped = stopProgram(server.process)
        #expect(stopped.status == 0, "server exit: \(stopped.output.suffix(1_000))")
        let levels = try instances.map { try $0.receivedLevels(candidates: Self.tones) }
        // A caller alone in a meeting first hears "you are the first participant" (about 2 s).
        let afterGreeting = try instances.map { try $0.receivedLevels(candidates: Self.tones, skipSeconds: 3) }
        for (p, l) in zip(phones, levels) { print("\(p.user) (\(p.tone) Hz, \(p.meeting)) heard \(l)") }
        return (levels, afterGreeting, stopped.output)
    }

    func expectMixMinus(_ levels: [ToneLevels], tones: [Double]) {
        for (i, heard) in levels.enumerated() {
            for (j, tone) in tones.enumerated() where j != i {
                #expect(heard.hears(tone), "participant \(i) should hear \(tone) Hz: \(heard)")
            }
            #expect(heard.lacks(tones[i]), "participant \(i) should not hear its own \(tones[i]) Hz: \(heard)")
        }
    }

    @Test("three Opus phones in one meeting: each hears the other two and not itself")
    func threeOpus() async throws {
        let phones = Self.tones.enumerated().map { (user: "p\($0.offset)", tone: $0.element, codecs: BaresipCodecs.opus, srtp: false, meeting: "room1") }
        let result = try await meeting(phones)
        expectMixMinus(result.levels, tones: Self.tones)
    }

    @Test("the same over SDES-SRTP")
    func threeSRTP() async throws {
        let phones = Self.tones.enumerated().map { (user: "s\($0.offset)", tone: $0.element, codecs: BaresipCodecs.opus, srtp: true, meeting: "room1") }
        let result = try await meeting(phones)
        expectMixMinus(result.levels, tones: Self.tones)
        #expect(result.serverLog.contains("srtp=AES") || result.serverLog.contains("srtp=AEAD"), "the server negotiated SRTP")
    }

    @Test("a PCMU-only phone among Opus phones hears and is heard")
    func pcmuAmongOpus() async throws {
        let phones = [
            (user: "o0", tone: Self.tones[0], codecs: BaresipCodecs.opus, srtp: false, meeting: "room1"),
            (user: "o1", tone: Self.tones[1], codecs: BaresipCodecs.opus, srtp: false, meeting: "room1"),
            (user: "g0", tone: Self.tones[2], codecs: BaresipCodecs.pcmu, srtp: false, meeting: "room1"),
        ]
        let result = try await meeting(phones)
        expectMixMinus(result.levels, tones: Self.tones)
        #expect(result.serverLog.contains("codec=PCMU"))
    }

    @Test("a participant in another meeting hears none of them")
    func isolation() async throws {
        let phones = [
            (user: "a0", tone: Self.tones[0], codecs: BaresipCodecs.opus, srtp: false, meeting: "room1"),
            (user: "a1", tone: Self.tones[1], codecs: BaresipCodecs.opus, srtp: false, meeting: "room1"),
            (user: "lonely", tone: Self.tones[2], codecs: BaresipCodecs.opus, srtp: false, meeting: "room2"),
        ]
        let result = try await meeting(phones, seconds: 6)
        #expect(result.levels[0].hears(Self.tones[1]) && result.levels[1].hears(Self.tones[0]))
        #expect(result.levels[0].lacks(Self.tones[2]) && result.levels[1].lacks(Self.tones[2]), "room1 does not hear room2")
        let lonely = result.afterGreeting[2]
        #expect(lonely.rmsDBFS < -50, "room2's only participant hears silence once greeted: \(lonely)")
        #expect(result.levels[2].rmsDBFS > -40, "and was greeted as the first participant: \(result.levels[2])")
    }
}

@Suite("Conference control with baresip", .serialized, .timeLimit(.minutes(2)))
struct ConferenceControlTests {
    @Test("SIGTERM ends every call with BYE: the phones see their calls close, the server exits 0 within 5 s")
    func sigtermEndsCalls() async throws {
        let server = try await ConferenceTests().startServer()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-term-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let phones = try (0..<2).map {
            try BaresipInstance(user: "t\($0)", tone: 440 + 500 * Double($0), recording: folder.appendingPathComponent("t\($0).wav"))
        }
        defer { phones.forEach { $0.stop() } }
        for phone in phones { try phone.dial("sip:room9@127.0.0.1:\(server.port)") }
        for phone in phones { _ = try phone.waitUntilEstablished(timeout: 10) }
        try await Task.sleep(for: .seconds(1))
        let stopped = stopProgram(server.process)
        #expect(stopped.status == 0, "exit status: \(stopped.output.suffix(800))")
        #expect(stopped.seconds < 5)
        for phone in phones {
            #expect(phone.waitUntilClosed(timeout: 3), "\(phone.user) got a BYE")
        }
    }
}

extension ConferenceTests {
    @Test("SDES-SRTP survives hold and resume (two re-INVITEs): after resuming, each phone hears the other again")
    func srtpHoldResume() async throws {
        let server = try await startServer()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-hold-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let a = try BaresipInstance(user: "stay", tone: 440, codecs: .opus, srtp: true, recording: folder.appendingPathComponent("stay.wav"))
        defer { a.stop() }
        let b = try BaresipInstance(user: "holder", tone: 1_000, codecs: .opus, srtp: true, recording: folder.appendingPathComponent("holder.wav"))
        defer { b.stop() }
        try a.dial("sip:holdroom@127.0.0.1:\(server.port)")
        _ = try a.waitUntilEstablished(timeout: 10)
        try b.dial("sip:holdroom@127.0.0.1:\(server.port)")
        _ = try b.waitUntilEstablished(timeout: 10)
        try await Task.sleep(for: .milliseconds(1_500))
        try b.hold()
        try await Task.sleep(for: .milliseconds(1_500))
        try b.resume()
        // Long enough after the resume that only its audio is analysed below.
        try await Task.sleep(for: .milliseconds(3_500))
        try? a.hangup()
        try? b.hangup()
        _ = a.waitUntilClosed(timeout: 5)
        _ = b.waitUntilClosed(timeout: 5)
        a.stop()
        b.stop()
        let stopped = stopProgram(server.process)
        #expect(stopped.status == 0, "server exit: \(stopped.output.suffix(1_000))")
        #expect(a.srtpEnabled && b.srtpEnabled)
        #expect(stopped.output.contains("endpoint renegotiated"), "the MCU saw the re-INVITEs")
        // The last 2.5 s of each recording are after the resume.
        let recordedB = try b.receivedAudio()
        let recordedA = try a.receivedAudio()
        let tailB = max(0, Double(recordedB.samples.count) / Double(recordedB.sampleRate) - 2.5)
        let tailA = max(0, Double(recordedA.samples.count) / Double(recordedA.sampleRate) - 2.5)
        let heardByB = ToneAnalysis.levels(in: recordedB, candidates: Self.tones, skipSeconds: tailB)
        let heardByA = ToneAnalysis.levels(in: recordedA, candidates: Self.tones, skipSeconds: tailA)
        print("after resume: holder heard \(heardByB), stay heard \(heardByA)")
        #expect(heardByB.hears(440), "the phone that held hears the other after resuming: \(heardByB)")
        #expect(heardByA.hears(1_000), "and is heard: \(heardByA)")
    }
}
