import Foundation
import MediaBench
import OpusCodec
import SRTP
import Testing

@Suite("consort bench mixer pipeline")
struct MixerBenchTests {
    @Test("the full path runs: every packet authenticates, every participant is sent a stream", arguments: MixerBenchOptions.SRTPMode.allCases)
    func pipelineRuns(srtp: MixerBenchOptions.SRTPMode) throws {
        var options = MixerBenchOptions()
        options.participants = 6
        options.conferences = 2
        options.talkers = 2
        options.srtp = srtp
        options.levels = true
        options.clipSeconds = 2
        let bench = try MixerBench(options: options)
        bench.run(ticks: 150)
        #expect(bench.droppedPackets == 0)
        #expect(bench.sentPackets >= 6 * 2 * 140)
        for mixer in bench.mixers {
            #expect(!mixer.currentSpeakers.isEmpty)
            #expect(mixer.profile.encodes <= 150 * 3)
        }
    }

    @Test("a result carries exactly the documented JSON keys")
    func resultKeys() throws {
        var options = MixerBenchOptions()
        options.participants = 3
        options.talkers = 1
        options.clipSeconds = 1
        let result = try MixerBench(options: options).run(seconds: 0.2)
        #expect(result.ticks > 0 && result.nsPerTick > 0 && result.realtimeParticipantsPerCore > 0)
        #expect(result.libraryShare > 0 && result.libraryShare <= 1)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(result)) as? [String: Any]
        let keys = Set(json?.keys.map { $0 } ?? [])
        #expect(
            keys == [
                "participants", "speakers", "talkers", "conferences", "levels", "dtx", "complexity", "bitrate", "srtp",
                "ticks", "nsPerTick", "nsPerParticipantTick", "libraryShare", "realtimeParticipantsPerCore",
            ])
    }

    @Test("impossible options are refused with a reason")
    func badOptions() {
        var options = MixerBenchOptions()
        options.talkers = 30
        #expect(throws: BenchError.self) { try MixerBench(options: options) }
    }

    @Test("synthetic speech has talk spurts and pauses")
    func speechHasPauses() {
        var speech = SyntheticSpeech(seed: 3)
        var frame = [Int16](repeating: 0, count: 960)
        var loud = 0
        for _ in 0..<500 {
            frame.withUnsafeMutableBufferPointer { speech.fill($0) }
            let peak = frame.map { abs(Int($0)) }.max() ?? 0
            if peak > 1_000 { loud += 1 }
        }
        #expect(loud > 150 && loud < 450, "active frames: \(loud) of 500")
    }
}
