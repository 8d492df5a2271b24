import AudioMixer
import Foundation
import OpusCodec

/// A conference fed by simulated participants, each sending a tone (or silence) through its own Opus encoder
/// and decoding what the mixer sends back, so tests can listen to what each one hears.
final class MixerHarness {
    final class Member {
        let participant: MixerParticipant
        let encoder: OpusEncoder
        let decoder: OpusDecoder
        var frequency: Double
        var amplitude: Double
        var sendLevels: Bool
        var sequence: UInt16 = 0
        var timestamp: UInt32 = 0
        var sample = 0
        var heard: [Int16] = []

        init(participant: MixerParticipant, frequency: Double, amplitude: Double, sendLevels: Bool) throws {
            self.participant = participant
            encoder = try OpusEncoder(OpusEncoderSettings(bitrate: 32_000, complexity: 5))
            decoder = try OpusDecoder()
            self.frequency = frequency
            self.amplitude = amplitude
            self.sendLevels = sendLevels
        }
    }

    let mixer: ConferenceMixer
    var members: [Member] = []
    var tick = 0
    var encodesPerTick: [UInt64] = []

    init(configuration: MixerConfiguration = MixerConfiguration()) throws {
        mixer = try ConferenceMixer(configuration: configuration)
    }

    @discardableResult
    func add(frequency: Double, amplitude: Double = 8_000, sendLevels: Bool = false, format: AudioFormat = .opus(OpusEncoderSettings()))
        throws -> Member
    {
        let p = try mixer.addParticipant(format: format)
        let m = try Member(participant: p, frequency: frequency, amplitude: amplitude, sendLevels: sendLevels)
        members.append(m)
        return m
    }

    func run(ticks: Int) {
        var pcm = [Int16](repeating: 0, count: 960)
        var packet = [UInt8](repeating: 0, count: 1500)
        var out = [Int16](repeating: 0, count: 5760)
        for _ in 0..<ticks {
            let now = UInt64(tick) * 20_000_000
            for m in members {
                for i in 0..<960 {
                    let t = Double(m.sample + i) / 48_000
                    pcm[i] = m.frequency > 0 ? Int16(m.amplitude * sin(2 * .pi * m.frequency * t)) : 0
                }
                m.sample += 960
                let level: UInt8? = m.sendLevels ? pcm.withUnsafeBufferPointer { AudioLevelMeter.level(of: $0) } : nil
                let n = pcm.withUnsafeBufferPointer { frame in
                    packet.withUnsafeMutableBytes { m.encoder.encode(frame, frameSamples: 960, into: $0) ?? 0 }
                }
                packet.withUnsafeBytes { bytes in
                    m.participant.receive(
                        payload: UnsafeRawBufferPointer(rebasing: bytes[0..<n]), sequenceNumber: m.sequence,
                        timestamp: m.timestamp, audioLevel: level, arrival: now)
                }
                m.sequence &+= 1
                m.timestamp &+= 960
            }
            let before = mixer.profile.encodes
            mixer.tick(now: now + 1_000_000)
            encodesPerTick.append(mixer.profile.encodes - before)
            for m in members {
                let output = m.participant.output
                if output.transmit {
                    let got = out.withUnsafeMutableBufferPointer { buffer in
                        (try? m.decoder.decode(output.payload, into: buffer).get()) ?? 0
                    }
                    m.heard += out[0..<got]
                } else {
                    m.heard += [Int16](repeating: 0, count: 960)
                }
            }
            tick += 1
        }
    }
}

/// Power of `frequency` in `samples` (Goertzel), about 0.25 for a full-scale sine.
func tonePower(_ samples: ArraySlice<Int16>, _ frequency: Double) -> Double {
    let coefficient = 2 * cos(2 * Double.pi * frequency / 48_000)
    var s1 = 0.0
    var s2 = 0.0
    for x in samples {
        let s0 = Double(x) / 32768 + coefficient * s1 - s2
        s2 = s1
        s1 = s0
    }
    let n = Double(samples.count)
    return (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / (n * n)
}

/// Mean power of `samples` (full-scale sine ≈ 0.5).
func totalPower(_ samples: ArraySlice<Int16>) -> Double {
    samples.reduce(0.0) { $0 + (Double($1) / 32768) * (Double($1) / 32768) } / Double(max(1, samples.count))
}

extension MixerHarness.Member {
    /// Whether `frequency` is clearly present in what this member heard over the last `seconds`.
    func hears(_ frequency: Double, lastSeconds seconds: Double = 0.5) -> Bool {
        tonePower(heard.suffix(Int(seconds * 48_000)), frequency) > 1e-4
    }
}
