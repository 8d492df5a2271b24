import Foundation
import MCUControl
import MediaBench
import OpusCodec
import SRTP
import Testing

@Suite("consort bench mixer pipeline")
struct MixerBenchTests {
    @Test("the real MCU path runs on the memory network: every packet authenticates, every participant is sent a stream", arguments: MixerBenchOptions.SRTPMode.allCases)
    func pipelineRuns(srtp: MixerBenchOptions.SRTPMode) async throws {
        var options = MixerBenchOptions()
        options.participants = 6
        options.conferences = 2
        options.talkers = 2
        options.srtp = srtp
        options.levels = true
        options.clipSeconds = 2
        let bench = try await ConferenceBench.make(options: options)
        bench.run(ticks: 150)
        let statistics = [await bench.mcu.statistics(ConferenceID(tenant: "bench", meeting: "c0")), await bench.mcu.statistics(ConferenceID(tenant: "bench", meeting: "c1"))]
        await bench.shutdown()
        #expect(bench.receivedPackets >= 6 * 2 * 140, "mix packets the phones received: \(bench.receivedPackets)")
        for stats in statistics {
            let drops = stats?.endpoints.reduce(UInt64(0)) { $0 + ($1.drops?.total ?? 0) }
            #expect(drops == 0, "every packet passed the ingress")
            #expect(stats?.endpoints.allSatisfy { $0.packetsReceived >= 100 } == true)
            #expect(stats?.speakers.isEmpty == false)
            #expect((stats?.tickMicrosecondsPerSecond ?? 0) > 0, "the conference's cost is measured")
        }
    }

    @Test("video forwarding on the real path: every participant receives the forwarded VP8 as well as the mix")
    func videoRuns() async throws {
        var options = MixerBenchOptions()
        options.participants = 4
        options.talkers = 2
        options.videoSenders = 2
        options.srtp = .gcm
        options.clipSeconds = 2
        let bench = try await ConferenceBench.make(options: options)
        bench.run(ticks: 150)
        let stats = await bench.mcu.statistics(ConferenceID(tenant: "bench", meeting: "c0"))
        await bench.shutdown()
        let forwarded = stats?.endpoints.map(\.videoPacketsForwarded) ?? []
        #expect(forwarded.count == 4 && forwarded.allSatisfy { $0 > 50 }, "video forwarded to each: \(forwarded)")
    }

    @Test("a result carries exactly the documented JSON keys")
    func resultKeys() async throws {
        var options = MixerBenchOptions()
        options.participants = 3
        options.talkers = 1
        options.clipSeconds = 1
        let bench = try await ConferenceBench.make(options: options)
        let result = bench.run(seconds: 0.2)
        await bench.shutdown()
        #expect(result.ticks > 0 && result.nsPerTick > 0 && result.realtimeParticipantsPerCore > 0)
        #expect(result.libraryShare > 0 && result.libraryShare <= 1)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(result)) as? [String: Any]
        let keys = Set(json?.keys.map { $0 } ?? [])
        #expect(
            keys == [
                "participants", "speakers", "talkers", "conferences", "levels", "dtx", "complexity", "bitrate", "application", "srtp",
                "ticks", "nsPerTick", "nsPerParticipantTick", "libraryShare", "realtimeParticipantsPerCore",
            ])
    }

    @Test("impossible options are refused with a reason")
    func badOptions() async {
        var options = MixerBenchOptions()
        options.talkers = 30
        await #expect(throws: BenchError.self) { _ = try await ConferenceBench.make(options: options) }
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
