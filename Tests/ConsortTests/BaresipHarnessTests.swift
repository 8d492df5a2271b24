/// The baresip harness proven without Consort: one baresip calls another directly on loopback, each plays its own
/// tone, and each recording must hold the other's tone and not its own.
import Foundation
import Testing
import TestSupport

@Suite("baresip harness: two softphones call each other on loopback", .serialized, .timeLimit(.minutes(2)))
struct BaresipHarnessTests {
    static let toneA = 440.0
    static let toneB = 1000.0

    /// A calls B, audio flows for `seconds`, A hangs up; returns the tone levels each recorded.
    private func call(codecs: BaresipCodecs, srtp: Bool, seconds: Double = 4) throws -> (a: ToneLevels, b: ToneLevels) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-harness-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let a = try BaresipInstance(
            user: "alice", tone: Self.toneA, codecs: codecs, srtp: srtp, recording: folder.appendingPathComponent("a.wav"))
        defer { a.stop() }
        let b = try BaresipInstance(
            user: "bob", tone: Self.toneB, codecs: codecs, srtp: srtp, recording: folder.appendingPathComponent("b.wav"))
        defer { b.stop() }

        try a.dial(b.uri)
        try a.waitUntilEstablished(timeout: 10)
        try b.waitUntilEstablished(timeout: 5)
        Thread.sleep(forTimeInterval: seconds)
        try a.hangup()
        #expect(a.waitUntilClosed(timeout: 5), "A saw no CALL_CLOSED")
        #expect(b.waitUntilClosed(timeout: 5), "B saw no CALL_CLOSED after A's BYE")
        a.stop()
        b.stop()

        let codec = codecs == .pcmu ? "PCMU 8000Hz 1ch" : "opus 48000Hz 2ch"
        #expect(a.audioDecoder == codec && b.audioDecoder == codec, "negotiated \(a.audioDecoder ?? "nothing")")
        #expect(a.srtpEnabled == srtp && b.srtpEnabled == srtp, "SRTP on A: \(a.srtpEnabled), on B: \(b.srtpEnabled)")

        let candidates = [Self.toneA, Self.toneB]
        let heardByA = try a.receivedLevels(candidates: candidates)
        let heardByB = try b.receivedLevels(candidates: candidates)
        print("baresip \(codecs) srtp=\(srtp): A heard \(heardByA); B heard \(heardByB)")
        #expect(heardByA.seconds >= seconds - 1.5, "A's recording is short: \(heardByA)")
        #expect(heardByB.seconds >= seconds - 1.5, "B's recording is short: \(heardByB)")
        return (heardByA, heardByB)
    }

    private func expectEachHearsTheOther(_ levels: (a: ToneLevels, b: ToneLevels)) {
        #expect(levels.a.hears(Self.toneB), "A should hear B's tone: \(levels.a)")
        #expect(levels.a.lacks(Self.toneA), "A should not hear its own tone: \(levels.a)")
        #expect(levels.b.hears(Self.toneA), "B should hear A's tone: \(levels.b)")
        #expect(levels.b.lacks(Self.toneB), "B should not hear its own tone: \(levels.b)")
    }

    @Test("Opus: each hears the other's tone and not its own")
    func opus() throws {
        expectEachHearsTheOther(try call(codecs: .opus, srtp: false))
    }

    @Test("Opus over SDES-SRTP (mediaenc=srtp-mand on both)")
    func opusSRTP() throws {
        expectEachHearsTheOther(try call(codecs: .opus, srtp: true))
    }

    @Test("PCMU only: 8 kHz G.711 µ-law both ways")
    func pcmu() throws {
        expectEachHearsTheOther(try call(codecs: .pcmu, srtp: false))
    }

    @Test("An SRTP-mandatory phone refuses a plain-RTP one")
    func srtpMandatoryRefusesPlain() throws {
        let folder = FileManager.default.temporaryDirectory
        let a = try BaresipInstance(
            user: "plain", tone: Self.toneA, recording: folder.appendingPathComponent("consort-plain-\(UUID().uuidString).wav"))
        defer { a.stop() }
        let b = try BaresipInstance(
            user: "secure", tone: Self.toneB, srtp: true,
            recording: folder.appendingPathComponent("consort-secure-\(UUID().uuidString).wav"))
        defer { b.stop() }
        try a.dial(b.uri)
        #expect(throws: BaresipError.self) { try a.waitUntilEstablished(timeout: 5) }
    }
}

@Suite("Tone WAV files and tone analysis")
struct ToneAnalysisTests {
    @Test("A written tone reads back with the same rate and is heard at its frequency only")
    func roundTrip() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("consort-tone-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: url) }
        try WAVFile.writeTone(to: url, frequency: 1000, amplitude: 0.5, seconds: 2, sampleRate: 8000)
        let recording = try WAVFile.read(url)
        #expect(recording.sampleRate == 8000 && recording.channels == 1 && recording.samples.count == 16_000)
        let levels = ToneAnalysis.levels(in: recording, candidates: [440, 1000])
        #expect(abs((levels.absolute[1000] ?? 0) - 20 * log10(0.5)) < 0.5, "\(levels)")
        #expect(levels.hears(1000) && levels.lacks(440), "\(levels)")
    }

    @Test("Two mixed tones are both heard; silence hears nothing")
    func mixAndSilence() {
        let a = WAVFile.sine(frequency: 440, amplitude: 0.2, seconds: 3, sampleRate: 48_000)
        let b = WAVFile.sine(frequency: 1700, amplitude: 0.1, seconds: 3, sampleRate: 48_000)
        let mix = zip(a, b).map { Float(Int($0) + Int($1)) / 32_768 }
        let levels = ToneAnalysis.levels(in: mix, sampleRate: 48_000, candidates: [440, 1000, 1700])
        #expect(levels.hears(440) && levels.hears(1700) && levels.lacks(1000), "\(levels)")
        let silence = ToneAnalysis.levels(in: [Float](repeating: 0, count: 48_000 * 3), sampleRate: 48_000, candidates: [440])
        #expect(!silence.hears(440) && silence.lacks(440))
        #expect(dominantTones(in: mix, sampleRate: 48_000, candidates: [440, 1700])[440] == 0)
    }

    @Test("Unknown chunks are skipped and a stereo file is downmixed")
    func chunksAndStereo() throws {
        func u32(_ v: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(v).littleEndian) { Array($0) } }
        func u16(_ v: Int) -> [UInt8] { withUnsafeBytes(of: UInt16(v).littleEndian) { Array($0) } }
        let frames: [(Int16, Int16)] = [(1000, 3000), (-2000, 0)]
        var data = [UInt8]()
        for (l, r) in frames { data += u16(Int(UInt16(bitPattern: l))) + u16(Int(UInt16(bitPattern: r))) }
        var bytes = Array("RIFF".utf8) + u32(0) + Array("WAVE".utf8)
        bytes += Array("LIST".utf8) + u32(3) + [1, 2, 3, 0]  // odd size, padded
        bytes += Array("fmt ".utf8) + u32(16) + u16(1) + u16(2) + u32(16_000) + u32(64_000) + u16(4) + u16(16)
        bytes += Array("data".utf8) + u32(0) + data  // size 0: a writer killed before fixing the header
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("consort-stereo-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(bytes).write(to: url)
        let recording = try WAVFile.read(url)
        #expect(recording.channels == 2 && recording.sampleRate == 16_000)
        #expect(recording.samples == [2000 / 32_768, -1000 / 32_768])
    }
}
