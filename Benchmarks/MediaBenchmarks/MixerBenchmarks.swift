import AudioMixer
import Benchmark
import MediaBench
import OpusCodec

/// The MCU's real per-tick path (``ConferenceBench``: the embedded MCU on a memory network, ticks driven by hand), so the
/// gate measures the code that serves calls — ingress, SRTP, jitter buffer, decode, mix-minus, encode, send, RTCP
/// reports, video forwarding — not a copy of it.
func mixerBenchmarks() {
    func tick(_ name: String, libsrtp: Bool, _ shape: @escaping @Sendable (inout MixerBenchOptions) -> Void) {
        Benchmark(name, configuration: tickConfiguration(libsrtp: libsrtp)) { benchmark async throws in
            var options = MixerBenchOptions()
            options.talkers = 3
            options.clipSeconds = 4
            shape(&options)
            let bench = try await ConferenceBench.make(options: options)
            bench.run(ticks: 300)  // steady state: buffers primed, speakers chosen, RTCP reports and the watch run once
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { bench.run(ticks: 1) }
            benchmark.stopMeasurement()
            blackHole(bench.receivedPackets)
            await bench.shutdown()
        }
    }
    for participants in [5, 20, 100] {
        for srtp in [MixerBenchOptions.SRTPMode.off, .gcm] {
            // Without SRTP a tick allocates nothing. With SRTP the count is libsrtp2's own (NSS allocates per packet on
            // the phones' protect and the MCU's unprotect and protect).
            tick("Conference_tick_\(participants)_participants_3_speakers_SRTP_\(srtp.rawValue)", libsrtp: srtp != .off) {
                $0.participants = participants
                $0.srtp = srtp
            }
        }
    }
    // Two listeners hearing a looping announcement on top of the mix: two more encodes a tick, still no allocation.
    tick("Conference_tick_20_participants_3_speakers_2_announcements_SRTP_off", libsrtp: false) {
        $0.participants = 20
        $0.announcements = 2
        $0.srtp = .off
    }
    // Video forwarding: two of twenty send VP8, everyone receives it (keyframe requests, rewrites, SRs included).
    tick("Conference_tick_20_participants_3_speakers_2_video_SRTP_off", libsrtp: false) {
        $0.participants = 20
        $0.videoSenders = 2
        $0.srtp = .off
    }
}
