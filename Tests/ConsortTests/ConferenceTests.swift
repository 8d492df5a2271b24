import Focus
import Foundation
import MCUControl
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
    /// On the in-process focus and MCU, so the MCU's count of packets sent to the holder shows what it receives: the
    /// holder's own recording ends at its hold. baresip 1.0's audio_decoder_set() resets the decoder when the stream
    /// is not sendrecv (the hold's sendonly) or the codec's rate or channels change; the reset flushes the receive
    /// filters, closing sndfile's recording, and aufilt_setup() rebuilds filters only when both the send and the receive
    /// lists are empty — sndfile's encoder side is still in the send list, so nothing more is recorded in that call
    /// (a baresip-to-baresip call with hold and resume records only until the hold; both sides stop, as both reset).
    /// No other recorder fits: 1.0's aufile module is a source only, and ALSA's `file` plugin as the player over the
    /// `null` device is not paced (it wrote 1.5 GB in 3 s) and stopped growing at the hold's player restart.
    /// The two who stay get no re-INVITE, so their recordings go on and are analysed after the resume. A sendrecv
    /// re-INVITE with the same codec keeps the recording (PoolTests.spreadAndFailover relies on it).
    @Test(
        "hold and resume (two re-INVITEs) over plain RTP and SDES-SRTP: on hold the MCU sends the holder nothing; after the resume it does again and all three hear each other",
        arguments: [false, true])
    func holdResume(srtp: Bool) async throws {
        let server = try await InProcessServer.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-hold-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // The last one holds and resumes; the other two stay.
        let users = ["stay0", "stay1", "holder"]
        var phones: [BaresipInstance] = []
        var sent: (held: UInt64, resumed: UInt64)?
        do {
            defer { phones.forEach { $0.stop() } }
            for (user, tone) in zip(users, Self.tones) {
                phones.append(
                    try BaresipInstance(user: user, tone: tone, codecs: .opus, srtp: srtp, recording: folder.appendingPathComponent("\(user).wav")))
            }
            for phone in phones {
                try phone.dial("sip:holdroom@127.0.0.1:\(server.port)")
                _ = try phone.waitUntilEstablished(timeout: 10)
            }
            sent = try await holdAndResume(phones[2], server: server)
            // Long enough after the resume that only its audio is analysed below.
            try await Task.sleep(for: .milliseconds(2_000))
            for phone in phones { try? phone.hangup() }
            for phone in phones { _ = phone.waitUntilClosed(timeout: 5) }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
        #expect(phones.allSatisfy { $0.srtpEnabled == srtp }, "SRTP \(srtp ? "on" : "off") in every phone")
        for phone in phones {
            #expect(!phone.logText.contains("failed to decrypt"), "\(phone.user) decrypted everything: \(phone.logText.suffix(1_000))")
        }
        #expect(sent?.held == 0, "on hold (it offered sendonly) the MCU sent the holder \(sent?.held ?? 0) packets in 1 s")
        #expect((sent?.resumed ?? 0) >= 40, "after the resume the MCU sent the holder \(sent?.resumed ?? 0) packets in 1 s")
        // The last 2.5 s of the others' recordings are after the resume.
        let heard = try phones.dropLast().map { phone in
            let recorded = try phone.receivedAudio()
            return ToneAnalysis.levels(in: recorded, candidates: Self.tones, skipSeconds: max(0, recorded.seconds - 2.5))
        }
        for (user, levels) in zip(users, heard) { print("after resume (srtp: \(srtp)): \(user) heard \(levels)") }
        expectMixMinus(heard, tones: Self.tones)
    }

    /// Puts `holder` on hold, then resumes; returns the packets the MCU sent it over 1 s while held and over 1 s after
    /// the resume (from 300 ms after the focus's roster shows each).
    private func holdAndResume(_ holder: BaresipInstance, server: InProcessServer) async throws -> (held: UInt64, resumed: UInt64) {
        let (conference, entry) = try #require(try await server.rosterEntry(meeting: "holdroom") { $0.uri.hasPrefix("sip:\(holder.user)@") })
        func sentOverOneSecond(onHold: Bool) async throws -> UInt64 {
            let shown = try await server.rosterEntry(meeting: "holdroom") { $0.endpoint == entry.endpoint && $0.onHold == onHold }
            #expect(shown != nil, "the roster shows the holder \(onHold ? "on hold" : "resumed")")
            try await Task.sleep(for: .milliseconds(300))
            let count = { await server.mcu.statistics(conference.id)?.endpoints.first { $0.endpoint == entry.endpoint }?.packetsSent ?? 0 }
            let start = await count()
            try await Task.sleep(for: .seconds(1))
            return await count() - start
        }
        try await Task.sleep(for: .milliseconds(1_500))
        try holder.hold()
        let held = try await sentOverOneSecond(onHold: true)
        try holder.resume()
        let resumed = try await sentOverOneSecond(onHold: false)
        return (held, resumed)
    }
}
