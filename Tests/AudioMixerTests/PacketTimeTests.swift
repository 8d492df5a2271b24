import AudioMixer
import OpusCodec
import Testing
import TestSupport

/// A codec and packet time a phone may send.
struct PacketTime: CustomTestStringConvertible, Sendable {
    var format: AudioFormat
    var milliseconds: Int

    static func opus(_ ms: Int) -> PacketTime { PacketTime(format: .opus(OpusEncoderSettings()), milliseconds: ms) }
    static func pcmu(_ ms: Int) -> PacketTime { PacketTime(format: .pcmu, milliseconds: ms) }

    var testDescription: String {
        if case .opus = format { return "Opus \(milliseconds) ms" }
        return "PCMU \(milliseconds) ms"
    }
}

/// Issue 10, "any common packet time": Opus packets of 10, 20, 40 and 60 ms and G.711 of 10–30 ms are played whole.
/// Each test feeds a real encoded tone and listens to what a listener decodes from the mix.
@Suite("Packet times")
struct PacketTimeTests {
    /// 10.6 cycles per 20 ms: a skipped, repeated or shifted stretch of media is a phase jump, not a whole number of cycles.
    static let frequency = 530.0
    static let toneSeconds = 1.2

    /// Where the tone is in `heard`: the first and last block that holds it at half its level or more.
    static func toneSpan(_ fit: ToneFit) -> Range<Int>? {
        let loud = fit.blocks.filter { $0.amplitude >= 3_000 }
        guard let first = loud.first, let last = loud.last else { return nil }
        return first.start..<(last.start + 240)
    }

    /// Checks that the listener heard the whole tone, continuous: its length, and in its steady part (0.1 s in from
    /// either end) no block below half the level, no phase jump, no glitch.
    static func expectWholeContinuousTone(_ h: PacketTimeHarness, _ label: String) {
        let fit = ToneFit(h.heard, frequency: frequency)
        guard let span = toneSpan(fit) else {
            Issue.record("\(label): the listener heard no tone")
            return
        }
        let seconds = Double(span.count) / 48_000
        #expect(abs(seconds - toneSeconds) <= 0.025, "\(label): tone lasted \(seconds) s, sent \(toneSeconds) s")
        let steady = (span.lowerBound + 4_800)..<(span.upperBound - 4_800)
        let median = ToneFit.medianAmplitude(fit.blocks(in: steady))
        let held = fit.toneSeconds(atLeast: 0.5, of: median)
        #expect(abs(held - toneSeconds) <= 0.025, "\(label): tone at half level or more for \(held) s, sent \(toneSeconds) s")
        let worst = fit.worst(in: steady)
        #expect(worst.lowestLevel >= 0.5, "\(label): a gap: a block at \(worst.lowestLevel) of the tone's level")
        #expect(worst.largestPhaseStep <= 0.5, "\(label): a jump: phase off by \(worst.largestPhaseStep) rad")
        #expect(worst.largestResidual <= 0.35, "\(label): a glitch: residual \(worst.largestResidual) of the tone's level")
    }

    @Test(
        "a tone is played whole at every common packet time: the full duration, no gap, no jump",
        arguments: [PacketTime.opus(10), .opus(20), .opus(40), .opus(60), .pcmu(10), .pcmu(20), .pcmu(30)])
    func playsWhole(_ time: PacketTime) throws {
        let h = try PacketTimeHarness(format: time.format)
        let tone = try TonePackets(
            format: time.format, milliseconds: time.milliseconds, frequency: Self.frequency, toneSeconds: Self.toneSeconds)
        h.send(tone.packets)
        h.run(ticks: 90)
        Self.expectWholeContinuousTone(h, time.testDescription)
        let reference = try TonePackets.referenceDecode(tone.packets, format: time.format)
        #expect(h.decodedContains(reference), "the mixer did not decode every packet whole, in order, once")
        let counters = h.sender.jitterBuffer.counters
        #expect(counters.accepted == UInt64(tone.packets.count))
        #expect(counters.duplicates == 0 && counters.late == 0 && counters.lost == 0, "\(counters)")
    }

    @Test(
        "duplicates are dropped by sequence number and swapped packets play in order, at long and short packet times",
        arguments: [PacketTime.opus(10), .opus(60), .pcmu(10), .pcmu(30)])
    func duplicatesAndReordering(_ time: PacketTime) throws {
        let h = try PacketTimeHarness(format: time.format, minDelayMilliseconds: time.milliseconds + 40)
        let tone = try TonePackets(
            format: time.format, milliseconds: time.milliseconds, frequency: Self.frequency, toneSeconds: Self.toneSeconds)
        var packets = tone.packets
        // Packets 1 and 2, 3 and 4, ... swap places: the earlier one comes right behind the later one.
        for k in stride(from: 1, to: packets.count - 1, by: 2) {
            packets[k].arrival = packets[k + 1].arrival
            packets.swapAt(k, k + 1)
        }
        var sent: [TonePackets.Packet] = []
        for p in packets { sent += [p, p] }
        h.send(sent)
        h.run(ticks: 90)
        Self.expectWholeContinuousTone(h, time.testDescription)
        let reference = try TonePackets.referenceDecode(tone.packets, format: time.format)
        #expect(h.decodedContains(reference), "the mixer did not decode every packet whole, in order, once")
        let counters = h.sender.jitterBuffer.counters
        #expect(counters.duplicates == UInt64(packets.count), "\(counters)")
        #expect(counters.accepted == UInt64(packets.count) && counters.late == 0 && counters.lost == 0, "\(counters)")
    }

    @Test("a lost 40 ms Opus packet is concealed for 40 ms: no gap, and what follows keeps its time")
    func lostLongPacketConcealsItsDuration() throws {
        // Delay enough for the packet after the loss to be here when the gap is due (else the buffer first underruns
        // and stretches, as it must when it cannot yet know the packet is lost).
        let h = try PacketTimeHarness(format: .opus(OpusEncoderSettings()), minDelayMilliseconds: 80)
        var tone = try TonePackets(
            format: .opus(OpusEncoderSettings()), milliseconds: 40, frequency: Self.frequency, toneSeconds: Self.toneSeconds)
        tone.packets.remove(at: 15)  // 600–640 ms of the tone
        h.send(tone.packets)
        h.run(ticks: 90)
        let fit = ToneFit(h.heard, frequency: Self.frequency)
        guard let span = Self.toneSpan(fit) else {
            Issue.record("the listener heard no tone")
            return
        }
        let seconds = Double(span.count) / 48_000
        #expect(abs(seconds - Self.toneSeconds) <= 0.025, "tone lasted \(seconds) s, sent \(Self.toneSeconds) s")
        let loss = span.lowerBound + 28_800  // 600 ms into the tone
        let before = fit.blocks(in: (span.lowerBound + 4_800)..<(loss - 2_400))
        let after = fit.blocks(in: (loss + 4_800)..<(span.upperBound - 4_800))
        let level = ToneFit.medianAmplitude(before)
        // Exactly what a decoder makes of the stream when it conceals the whole 40 ms in one call, with the next
        // packet's FEC; concealing 20 ms would leave 20 ms of something else, or shift what follows.
        let reference = try TonePackets.referenceDecode(tone.packets, format: .opus(OpusEncoderSettings()))
        #expect(h.decodedContains(reference), "the mixer's decode differs from one that conceals the lost 40 ms whole")
        let shift = ToneFit.phaseDistance(ToneFit.meanPhase(before), ToneFit.meanPhase(after))
        #expect(shift <= 0.3, "what follows the loss is shifted by \(shift) rad")
        let afterLevel = ToneFit.medianAmplitude(after)
        #expect(afterLevel >= 0.8 * level, "level after the loss \(afterLevel), before \(level)")
        let counters = h.sender.jitterBuffer.counters
        #expect(counters.lost == 1, "\(counters)")
        #expect(counters.concealed + counters.recoveredByFEC == 2, "two 20 ms frames rebuilt: \(counters)")
    }
}
