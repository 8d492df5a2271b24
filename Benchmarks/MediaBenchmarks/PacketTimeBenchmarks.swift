import AudioMixer
import Benchmark
import Foundation
import OpusCodec

/// A conference whose phones send every common packet time (Opus 10, 20, 40, 60 ms, PCMU 10 and 30 ms) and take turns
/// talking, heard by phones that asked for 10 ms packets (maxptime 10) and phones that did not: the jitter buffer's
/// carry and joins, both packet times sent, and speakers handing over to the shared stream, all on the real mixer.
final class PacketTimeBench {
    struct Sender {
        let participant: MixerParticipant
        let packets: [[UInt8]]
        let milliseconds: Int
        let clockUnits: UInt32
        var next = 0
        var sequence: UInt16 = 0
        var timestamp: UInt32 = 0
        var dueMilliseconds: Int
    }

    let mixer: ConferenceMixer
    private var senders: [Sender] = []
    private var tick = 0

    init() throws {
        mixer = try ConferenceMixer()
        let times: [(AudioFormat, Int)] = [
            (.opus(OpusEncoderSettings()), 10), (.opus(OpusEncoderSettings()), 20), (.opus(OpusEncoderSettings()), 40),
            (.opus(OpusEncoderSettings()), 60), (.pcmu, 10), (.pcmu, 30),
        ]
        for (index, (format, ms)) in times.enumerated() {
            let participant = try mixer.addParticipant(format: format)
            let packets = try Self.clip(format: format, milliseconds: ms, talker: index, of: times.count)
            senders.append(
                Sender(
                    participant: participant, packets: packets, milliseconds: ms,
                    clockUnits: UInt32(format.clockRate * ms / 1_000), dueMilliseconds: ms))
        }
        for maxptime in [10, nil, 10, nil] as [Int?] {
            _ = try mixer.addParticipant(format: maxptime == nil ? .opus(OpusEncoderSettings()) : .pcmu, maxPacketMilliseconds: maxptime)
        }
    }

    /// Six seconds of one talker's turn: a tone for its second of every six, silence the rest.
    static func clip(format: AudioFormat, milliseconds: Int, talker: Int, of talkers: Int) throws -> [[UInt8]] {
        let rate = format.clockRate
        let perPacket = rate * milliseconds / 1_000
        let encoder: OpusEncoder? = if case .opus(let s) = format { try OpusEncoder(s) } else { nil }
        var pcm = [Int16](repeating: 0, count: perPacket)
        var out = [UInt8](repeating: 0, count: 4_000)
        var packets: [[UInt8]] = []
        for k in 0..<(talkers * rate / perPacket) {
            for i in 0..<perPacket {
                let n = k * perPacket + i
                let talking = n / rate == talker
                pcm[i] = talking ? Int16(6_000 * sin(2 * Double.pi * Double(300 + 90 * talker) * Double(n) / Double(rate))) : 0
            }
            let length = pcm.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBytes { bytes in
                    encoder.map { $0.encode(input, frameSamples: perPacket, into: bytes) ?? 0 } ?? G711.encodeMuLaw(input, into: bytes)
                }
            }
            packets.append(Array(out[0..<length]))
        }
        return packets
    }

    /// Delivers every packet due by this tick (as a phone sends: when its last sample is captured), then ticks.
    func run(ticks: Int) {
        for _ in 0..<ticks {
            let now = tick * 20
            for i in senders.indices {
                while senders[i].dueMilliseconds <= now {
                    let s = senders[i]
                    s.packets[s.next].withUnsafeBytes {
                        _ = s.participant.receive(
                            payload: $0, sequenceNumber: s.sequence, timestamp: s.timestamp, arrival: UInt64(now) * 1_000_000)
                    }
                    senders[i].next = (s.next + 1) % s.packets.count
                    senders[i].sequence &+= 1
                    senders[i].timestamp &+= s.clockUnits
                    senders[i].dueMilliseconds += s.milliseconds
                }
            }
            mixer.tick(now: UInt64(now) * 1_000_000 + 500_000)
            tick += 1
        }
    }
}

func packetTimeBenchmarks() {
    Benchmark("Mixer_tick_10_participants_packet_times_10_to_60ms", configuration: tickConfiguration()) { benchmark in
        let bench = try PacketTimeBench()
        bench.run(ticks: 600)  // a full round of turns: every speaker change has happened once
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { bench.run(ticks: 1) }
        benchmark.stopMeasurement()
        blackHole(bench.mixer.profile.encodes)
    }
}
