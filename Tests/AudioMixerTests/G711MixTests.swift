import AudioMixer
import Foundation
import OpusCodec
import Testing

@Suite("G.711 participants in an Opus conference")
struct G711MixTests {
    @Test("a PCMU phone hears the Opus talkers and they hear it, each without itself", arguments: [AudioFormat.pcmu, .pcma])
    func narrowbandAmongOpus(format: AudioFormat) throws {
        let h = try MixerHarness()
        let opusTalker = try h.add(frequency: 500)
        let listener = try h.add(frequency: 0)
        let phone = try h.mixer.addParticipant(format: format)
        var heardByPhone: [Int16] = []
        var sample = 0
        var narrow = [Int16](repeating: 0, count: 160)
        var wire = [UInt8](repeating: 0, count: 160)
        var decoded = [Int16](repeating: 0, count: 160)
        for tick in 0..<100 {
            for i in 0..<160 { narrow[i] = Int16(8_000 * sin(2 * .pi * 1_000 * Double(sample + i) / 8_000)) }
            sample += 160
            narrow.withUnsafeBufferPointer { pcm in
                wire.withUnsafeMutableBytes {
                    _ = format == .pcma ? G711.encodeALaw(pcm, into: $0) : G711.encodeMuLaw(pcm, into: $0)
                }
            }
            wire.withUnsafeBytes {
                phone.receive(
                    payload: $0, sequenceNumber: UInt16(tick), timestamp: UInt32(tick * 160),
                    arrival: UInt64(tick) * 20_000_000)
            }
            h.run(ticks: 1)
            let out = phone.output
            #expect(out.transmit && out.payload.count == 160 && out.timestampIncrement == 160)
            decoded.withUnsafeMutableBufferPointer {
                _ = format == .pcma ? G711.decodeALaw(out.payload, into: $0) : G711.decodeMuLaw(out.payload, into: $0)
            }
            heardByPhone += decoded
        }
        #expect(listener.hears(1_000) && listener.hears(500))
        #expect(opusTalker.hears(1_000) && !opusTalker.hears(500))
        // The phone (8 kHz) hears the 500 Hz talker and not its own 1 kHz tone.
        let tail = heardByPhone.suffix(8_000)
        func power(_ f: Double) -> Double {
            let c = 2 * cos(2 * Double.pi * f / 8_000)
            var s1 = 0.0, s2 = 0.0
            for x in tail {
                let s0 = Double(x) / 32768 + c * s1 - s2
                s2 = s1
                s1 = s0
            }
            let n = Double(tail.count)
            return (s1 * s1 + s2 * s2 - c * s1 * s2) / (n * n)
        }
        #expect(power(500) > 1e-3)
        #expect(power(1_000) < power(500) / 100)
    }
}
