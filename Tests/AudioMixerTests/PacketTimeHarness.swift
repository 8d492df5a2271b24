@testable import AudioMixer
import Foundation
import OpusCodec

/// A tone as a phone would send it at one packet time: Opus encoded by libopus at that frame size, or G.711 µ-law.
struct TonePackets {
    /// One RTP packet: payload, sequence number, timestamp, and when it is handed to the mixer (ns).
    struct Packet {
        var payload: [UInt8]
        var sequenceNumber: UInt16
        var timestamp: UInt32
        var arrival: UInt64
    }

    let milliseconds: Int
    let format: AudioFormat
    var packets: [Packet]

    /// `toneSeconds` of `frequency`, then `silenceSeconds` of silence, in packets of `milliseconds`. Each packet
    /// arrives when its last sample has been captured (the sender's clock equals the mixer's).
    init(
        format: AudioFormat, milliseconds: Int, frequency: Double, amplitude: Double = 8_000, toneSeconds: Double,
        silenceSeconds: Double = 0.3, baseSequence: UInt16 = 65_500, baseTimestamp: UInt32 = 4_294_000_000
    ) throws {
        self.milliseconds = milliseconds
        self.format = format
        let rate = format.clockRate
        let samplesPerPacket = rate * milliseconds / 1_000
        let total = Int((toneSeconds + silenceSeconds) * Double(rate)) / samplesPerPacket
        let toneSamples = Int(toneSeconds * Double(rate))
        let encoder: OpusEncoder? = if case .opus(let settings) = format { try OpusEncoder(settings) } else { nil }
        var pcm = [Int16](repeating: 0, count: samplesPerPacket)
        var out = [UInt8](repeating: 0, count: 4_000)
        packets = []
        for k in 0..<total {
            for i in 0..<samplesPerPacket {
                let n = k * samplesPerPacket + i
                pcm[i] = n < toneSamples ? Int16(amplitude * sin(2 * Double.pi * frequency * Double(n) / Double(rate))) : 0
            }
            let length: Int
            if let encoder {
                length = pcm.withUnsafeBufferPointer { input in
                    out.withUnsafeMutableBytes { encoder.encode(input, frameSamples: samplesPerPacket, into: $0) ?? 0 }
                }
            } else {
                length = pcm.withUnsafeBufferPointer { input in out.withUnsafeMutableBytes { G711.encodeMuLaw(input, into: $0) } }
            }
            packets.append(
                Packet(
                    payload: Array(out[0..<length]), sequenceNumber: baseSequence &+ UInt16(truncatingIfNeeded: k),
                    timestamp: baseTimestamp &+ UInt32(truncatingIfNeeded: k * samplesPerPacket),
                    arrival: UInt64(k + 1) * UInt64(milliseconds) * 1_000_000))
        }
    }
}

extension TonePackets {
    /// What a plain decoder makes of `packets` (given in sequence order): each packet decoded whole in one call, and a
    /// gap in the sequence numbers concealed in one call as long as the missing media, with FEC from the packet after
    /// it (Opus). 48 kHz. This is what the mixer must play, sample for sample.
    static func referenceDecode(_ packets: [Packet], format: AudioFormat) throws -> [Int16] {
        let decoder: OpusDecoder? = if case .opus = format { try OpusDecoder() } else { nil }
        var upsampler = Upsampler8to48()
        var pcm = [Int16](repeating: 0, count: Opus.maxFrameSamples)
        var narrow = [Int16](repeating: 0, count: 960)
        var out: [Int16] = []
        var expected: UInt32?
        for p in packets {
            if let decoder, let expected, p.timestamp != expected {
                let gap = Int(p.timestamp &- expected)
                let n = p.payload.withUnsafeBytes { payload in
                    pcm.withUnsafeMutableBufferPointer { (try? decoder.decodeFEC(from: payload, frameSamples: gap, into: $0).get()) ?? 0 }
                }
                out += pcm[0..<n]
            }
            let n: Int
            if let decoder {
                n = p.payload.withUnsafeBytes { payload in
                    pcm.withUnsafeMutableBufferPointer { (try? decoder.decode(payload, into: $0).get()) ?? 0 }
                }
            } else {
                let m = p.payload.withUnsafeBytes { payload in narrow.withUnsafeMutableBufferPointer { G711.decodeMuLaw(payload, into: $0) } }
                n = narrow.withUnsafeBufferPointer { input in
                    pcm.withUnsafeMutableBufferPointer { upsampler.process(UnsafeBufferPointer(rebasing: input[0..<m]), into: $0) }
                }
            }
            out += pcm[0..<n]
            let units = decoder != nil ? n : n / 6
            expected = p.timestamp &+ UInt32(units)
        }
        return out
    }
}

/// A conference of two: the participant under test sends `TonePackets`; a listener (Opus, 20 ms) decodes everything
/// the mixer sends it, so a test hears the sender's audio after the jitter buffer, the decoder and the mix.
final class PacketTimeHarness {
    let mixer: ConferenceMixer
    let sender: MixerParticipant
    let listener: MixerParticipant
    private let decoder: OpusDecoder
    /// What the listener heard, 48 kHz, 960 samples per tick.
    private(set) var heard: [Int16] = []
    /// What the mixer decoded of the sender, 48 kHz, 960 samples per tick (zeros when it did not decode).
    private(set) var decoded: [Int16] = []
    private(set) var ticks = 0
    private var queue: [TonePackets.Packet] = []
    private var next = 0

    init(format: AudioFormat, minDelayMilliseconds: Int = 20) throws {
        var configuration = MixerConfiguration()
        configuration.jitterBuffer.minDelayMilliseconds = minDelayMilliseconds
        // The sender is mixed from its first audible frame, so the whole tone reaches the listener.
        configuration.activityThresholdDBov = -100
        mixer = try ConferenceMixer(configuration: configuration)
        sender = try mixer.addParticipant(format: format)
        listener = try mixer.addParticipant(format: .opus(OpusEncoderSettings()))
        decoder = try OpusDecoder()
    }

    /// Queues packets, in the order given (arrival times must not decrease); each is handed to the mixer at the first
    /// tick at or after its arrival time.
    func send(_ packets: [TonePackets.Packet]) {
        queue += packets
    }

    /// Whether the sender's decoded audio holds `reference` whole and in one piece, from some point on.
    func decodedContains(_ reference: [Int16]) -> Bool {
        guard !reference.isEmpty, decoded.count >= reference.count else { return false }
        for start in stride(from: 0, through: decoded.count - reference.count, by: 48) {
            if decoded[start..<(start + reference.count)].elementsEqual(reference) { return true }
        }
        return false
    }

    func run(ticks count: Int) {
        var pcm = [Int16](repeating: 0, count: Opus.maxFrameSamples)
        for _ in 0..<count {
            let now = UInt64(ticks) * 20_000_000
            while next < queue.count && queue[next].arrival <= now {
                let p = queue[next]
                p.payload.withUnsafeBytes {
                    _ = sender.receive(payload: $0, sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, arrival: now)
                }
                next += 1
            }
            mixer.tick(now: now + 1_000_000)
            decoded += sender.decodedThisTick ? Array(sender.frame20ms) : [Int16](repeating: 0, count: Opus.samplesPer20ms)
            let output = listener.output
            var got = 0
            if output.transmit {
                got = pcm.withUnsafeMutableBufferPointer { (try? decoder.decode(output.payload, into: $0).get()) ?? 0 }
            }
            heard += pcm[0..<got]
            heard += [Int16](repeating: 0, count: max(0, Opus.samplesPer20ms - got))
            ticks += 1
        }
    }
}
