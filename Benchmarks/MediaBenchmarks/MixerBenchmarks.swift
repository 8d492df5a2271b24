import AudioMixer
import Benchmark
import MediaBench
import OpusCodec

func mixerBenchmarks() {
    for participants in [5, 20, 100] {
        for srtp in [MixerBenchOptions.SRTPMode.off, .gcm] {
            // Without SRTP a tick allocates nothing. With SRTP the count is libsrtp2's own: per participant and tick
            // the simulated client's protect, the server's unprotect and the server's protect, 5 mallocs each in NSS.
            let name = "Mixer_tick_\(participants)_participants_3_speakers_SRTP_\(srtp.rawValue)"
            Benchmark(name, configuration: tickConfiguration(libsrtp: srtp != .off)) { benchmark in
                var options = MixerBenchOptions()
                options.participants = participants
                options.talkers = 3
                options.srtp = srtp
                options.clipSeconds = 4
                let bench = try MixerBench(options: options)
                bench.run(ticks: 100)  // steady state: buffers primed, speakers chosen
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations { bench.run(ticks: 1) }
                benchmark.stopMeasurement()
                blackHole(bench.sentPackets)
            }
        }
    }
    // Two listeners hearing a looping announcement on top of the mix: two more encodes a tick, still no allocation.
    Benchmark("Mixer_tick_20_participants_3_speakers_2_announcements_SRTP_off", configuration: tickConfiguration()) { benchmark in
        var options = MixerBenchOptions()
        options.participants = 20
        options.talkers = 3
        options.announcements = 2
        options.srtp = .off
        options.clipSeconds = 4
        let bench = try MixerBench(options: options)
        bench.run(ticks: 100)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { bench.run(ticks: 1) }
        benchmark.stopMeasurement()
        blackHole(bench.sentPackets)
    }
}
