import Benchmark
import MediaBench
import OpusCodec

func speechFrames(_ count: Int, seed: UInt64 = 1) -> [Int16] {
    var speech = SyntheticSpeech(seed: seed)
    var pcm = [Int16](repeating: 0, count: count * Opus.samplesPer20ms)
    pcm.withUnsafeMutableBufferPointer { speech.fill($0) }
    return pcm
}

func codecConfiguration() -> Benchmark.Configuration {
    .init(
        metrics: gate ? [.mallocCountTotal] : [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        timeUnits: .microseconds,
        scalingFactor: .kilo,
        maxDuration: gate ? .milliseconds(500) : .seconds(3),
        maxIterations: gate ? 5 : 1_000,
        thresholds: [.mallocCountTotal: mallocTolerance(libsrtp: false)]
    )
}

func codecBenchmarks() {
    Benchmark("Opus_encode_20ms_c5_32k", configuration: codecConfiguration()) { benchmark in
        let encoder = try OpusEncoder(OpusEncoderSettings(bitrate: 32_000, complexity: 5))
        let pcm = speechFrames(100)
        var packet = [UInt8](repeating: 0, count: 1_500)
        var frame = 0
        pcm.withUnsafeBufferPointer { all in
            packet.withUnsafeMutableBytes { out in
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    let start = (frame % 100) * 960
                    blackHole(encoder.encode(UnsafeBufferPointer(rebasing: all[start..<start + 960]), frameSamples: 960, into: out))
                    frame += 1
                }
            }
        }
    }

    Benchmark("Opus_decode_20ms_32k", configuration: codecConfiguration()) { benchmark in
        let encoder = try OpusEncoder(OpusEncoderSettings(bitrate: 32_000, complexity: 10))
        let decoder = try OpusDecoder()
        let pcm = speechFrames(100)
        var packets: [[UInt8]] = []
        var packet = [UInt8](repeating: 0, count: 1_500)
        pcm.withUnsafeBufferPointer { all in
            for f in 0..<100 {
                let n = packet.withUnsafeMutableBytes {
                    encoder.encode(UnsafeBufferPointer(rebasing: all[f * 960..<(f + 1) * 960]), frameSamples: 960, into: $0) ?? 0
                }
                packets.append(Array(packet[0..<n]))
            }
        }
        var out = [Int16](repeating: 0, count: 5_760)
        var frame = 0
        out.withUnsafeMutableBufferPointer { out in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                packets[frame % 100].withUnsafeBytes { blackHole(decoder.decode($0, into: out)) }
                frame += 1
            }
        }
    }

    Benchmark("G711_decode_resample_up_down_encode_20ms", configuration: codecConfiguration()) { benchmark in
        var up = Upsampler8to48()
        var down = Downsampler48to8()
        let pcm = speechFrames(1)
        var narrow = [Int16](repeating: 0, count: 160)
        var wire = [UInt8](repeating: 0, count: 160)
        var wide = [Int16](repeating: 0, count: 960)
        pcm.withUnsafeBufferPointer { pcm in
            for i in 0..<160 { narrow[i] = pcm[i * 6] }
        }
        narrow.withUnsafeMutableBufferPointer { narrow in
            wire.withUnsafeMutableBytes { wire in
                wide.withUnsafeMutableBufferPointer { wide in
                    G711.encodeMuLaw(UnsafeBufferPointer(narrow), into: wire)
                    benchmark.startMeasurement()
                    for _ in benchmark.scaledIterations {
                        G711.decodeMuLaw(UnsafeRawBufferPointer(wire), into: narrow)
                        _ = up.process(UnsafeBufferPointer(narrow), into: wide)
                        _ = down.process(UnsafeBufferPointer(wide), into: narrow)
                        G711.encodeMuLaw(UnsafeBufferPointer(narrow), into: wire)
                    }
                }
            }
        }
    }
}
