import AudioMixer
import OpusCodec
import Testing
import TestSupport

/// Issue 10: "Consort sends 20 ms packets unless the peer's maxptime asks for less."
@Suite("Packet time sent")
struct SendPacketTimeTests {
    /// What one receiver got: its packets' sizes in samples, timestamp steps and markers, and the audio decoded from them.
    final class Receiver {
        let participant: MixerParticipant
        let decoder: OpusDecoder?
        var samplesPerPacket: Set<Int> = []
        var increments: Set<UInt32> = []
        var packetsPerTick: Set<Int> = []
        var markers = 0
        var audio: [Int16] = []

        init(_ participant: MixerParticipant) throws {
            self.participant = participant
            decoder = if case .opus = participant.format { try OpusDecoder() } else { nil }
        }

        func collect() {
            let output = participant.output
            packetsPerTick.insert(output.packetCount)
            var pcm = [Int16](repeating: 0, count: Opus.maxFrameSamples)
            for i in 0..<output.packetCount {
                let packet = output[i]
                increments.insert(packet.timestampIncrement)
                if packet.marker { markers += 1 }
                guard packet.transmit else { continue }
                let n: Int
                if let decoder {
                    samplesPerPacket.insert(OpusDecoder.sampleCount(of: packet.payload) ?? 0)
                    n = pcm.withUnsafeMutableBufferPointer { (try? decoder.decode(packet.payload, into: $0).get()) ?? 0 }
                } else {
                    samplesPerPacket.insert(packet.payload.count)
                    n = pcm.withUnsafeMutableBufferPointer { G711.decodeMuLaw(packet.payload, into: $0) }
                }
                audio += pcm[0..<n]
            }
        }
    }

    @Test(
        "a peer with maxptime below 20 gets two 10 ms packets a tick, in time; the others one 20 ms packet",
        arguments: [AudioFormat.opus(OpusEncoderSettings()), .pcmu])
    func maxPacketTime(format: AudioFormat) throws {
        var configuration = MixerConfiguration()
        configuration.activityThresholdDBov = -100
        let mixer = try ConferenceMixer(configuration: configuration)
        let talker = try mixer.addParticipant(format: .opus(OpusEncoderSettings()))
        let ten = try Receiver(mixer.addParticipant(format: format, maxPacketMilliseconds: 10))
        let thirty = try Receiver(mixer.addParticipant(format: format, maxPacketMilliseconds: 30))
        let unsaid = try Receiver(mixer.addParticipant(format: format))
        #expect(ten.participant.packetMilliseconds == 10 && thirty.participant.packetMilliseconds == 20)
        let tone = try TonePackets(format: .opus(OpusEncoderSettings()), milliseconds: 20, frequency: 530, toneSeconds: 1.2)
        for (tick, p) in tone.packets.enumerated() {
            p.payload.withUnsafeBytes {
                _ = talker.receive(payload: $0, sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, arrival: p.arrival)
            }
            mixer.tick(now: UInt64(tick + 1) * 20_000_000 + 1)
            for r in [ten, thirty, unsaid] { r.collect() }
        }
        let rate = format.clockRate
        #expect(ten.packetsPerTick == [2] && ten.increments == [UInt32(rate / 100)] && ten.samplesPerPacket == [rate / 100])
        for r in [thirty, unsaid] {
            #expect(r.packetsPerTick == [1] && r.increments == [UInt32(rate / 50)] && r.samplesPerPacket == [rate / 50])
        }
        #expect(ten.markers == unsaid.markers, "the second packet of a tick never starts a talk spurt")
        // The 10 ms packets carry the talker's tone without a gap or jump between them.
        let fit = ToneFit(ten.audio, frequency: 530, sampleRate: Double(rate), blockSamples: rate / 200)
        let worst = fit.worst(in: (rate / 5)..<(rate))
        #expect(worst.lowestLevel >= 0.7 && worst.highestLevel <= 1.3, "\(worst)")
        #expect(worst.largestPhaseStep <= 0.3 && worst.largestResidual <= 0.3, "\(worst)")
        #expect(ten.audio.count == unsaid.audio.count, "as much audio in 10 ms packets as in 20 ms ones")
    }

    @Test("a renegotiated maxptime moves a participant to the new packet time, a speaker too: it hears the others on, and is heard on")
    func maxPacketTimeChanges() throws {
        var configuration = MixerConfiguration()
        configuration.activityThresholdDBov = -100
        let mixer = try ConferenceMixer(configuration: configuration)
        let opus = AudioFormat.opus(OpusEncoderSettings())
        let talker = try mixer.addParticipant(format: opus)
        let other = try mixer.addParticipant(format: opus)
        let listener = try Receiver(mixer.addParticipant(format: opus))
        let moving = try Receiver(talker)
        let toneA = try TonePackets(format: opus, milliseconds: 20, frequency: 530, toneSeconds: 1.2)
        let toneB = try TonePackets(format: opus, milliseconds: 20, frequency: 770, toneSeconds: 1.2)
        var packetCounts: [Int] = []
        for (tick, (a, b)) in zip(toneA.packets, toneB.packets).enumerated() {
            if tick == 20 { #expect(try mixer.setMaxPacketTime(talker, maxPacketMilliseconds: 10)) }
            if tick == 40 { #expect(try mixer.setMaxPacketTime(talker, maxPacketMilliseconds: nil)) }
            a.payload.withUnsafeBytes { _ = talker.receive(payload: $0, sequenceNumber: a.sequenceNumber, timestamp: a.timestamp, arrival: a.arrival) }
            b.payload.withUnsafeBytes { _ = other.receive(payload: $0, sequenceNumber: b.sequenceNumber, timestamp: b.timestamp, arrival: b.arrival) }
            mixer.tick(now: UInt64(tick + 1) * 20_000_000 + 1)
            packetCounts.append(talker.output.packetCount)
            moving.collect()
            listener.collect()
        }
        #expect(Array(packetCounts[10..<20]) == Array(repeating: 1, count: 10))
        #expect(Array(packetCounts[20..<40]) == Array(repeating: 2, count: 20), "10 ms packets while maxptime is 10")
        #expect(Array(packetCounts[40...]).allSatisfy { $0 == 1 }, "20 ms again")
        #expect(try mixer.setMaxPacketTime(talker, maxPacketMilliseconds: 20) == false, "20 ms already: nothing to move")
        // The mover kept hearing the other talker, and the listener kept hearing both, across both moves.
        let rate = 48_000
        let heard = ToneFit(moving.audio, frequency: 770, sampleRate: Double(rate), blockSamples: rate / 50)
        #expect(heard.worst(in: (rate / 5)..<(rate)).lowestLevel >= 0.5, "\(heard.worst(in: (rate / 5)..<(rate)))")
        let fromMover = ToneFit(listener.audio, frequency: 530, sampleRate: Double(rate), blockSamples: rate / 50)
        #expect(fromMover.worst(in: (rate / 5)..<(rate)).lowestLevel >= 0.3, "\(fromMover.worst(in: (rate / 5)..<(rate)))")
    }
}
