import AudioMixer
import OpusCodec
import Testing
import TestSupport

/// Issue 10: "a speaker who falls back to listening hears no seam". A speaker hears its mix-minus from an encoder of its
/// own; when it stops being mixed it hears the stream every listener shares. Its decoder must not notice the change.
@Suite("Speaker to listener without a seam")
struct SpeakerSeamTests {
    static let frequency = 530.0

    /// Runs until `member` stops being a speaker; returns the index in `member.heard` where its first listener frame starts.
    static func runUntilDemoted(_ h: MixerHarness, _ member: MixerHarness.Member) -> Int? {
        for _ in 0..<100 {
            let before = member.heard.count
            h.run(ticks: 1)
            if !member.participant.isSpeaker { return before }
        }
        return nil
    }

    /// The continuous tone another speaker sends stays continuous in what `member` decodes around `switchAt`: no gap, no
    /// phase jump, no glitch.
    static func expectNoSeam(_ member: MixerHarness.Member, at switchAt: Int, _ label: String) {
        let fit = ToneFit(member.heard, frequency: frequency)
        let around = (switchAt - 9_600)..<(switchAt + 9_600)
        let worst = fit.worst(in: around)
        // A steady stretch away from any switch measures about 0.98...1.02, 0.03 rad and 0.015 here; an encoder change
        // under the decoder swells the tone by a third and shifts it by 0.1–0.4 rad for some 50 ms.
        #expect(worst.lowestLevel >= 0.9, "\(label): the tone dipped to \(worst.lowestLevel) of its level at the switch")
        #expect(worst.highestLevel <= 1.1, "\(label): the tone swelled to \(worst.highestLevel) of its level at the switch")
        #expect(worst.largestPhaseStep <= 0.08, "\(label): phase jumped by \(worst.largestPhaseStep) rad at the switch")
        #expect(worst.largestResidual <= 0.03, "\(label): a glitch of \(worst.largestResidual) of the tone's level at the switch")
    }

    @Test(
        "a speaker who falls silent and is demoted hears the other speaker's tone on without a seam",
        arguments: [true, false])
    func demotionIsSeamless(otherListeners: Bool) throws {
        var configuration = MixerConfiguration()
        configuration.holdMilliseconds = 200
        let h = try MixerHarness(configuration: configuration)
        _ = try h.add(frequency: Self.frequency, amplitude: 8_000)
        let talker = try h.add(frequency: 1_100, amplitude: 8_000)
        if otherListeners { try h.add(frequency: 0) }
        h.run(ticks: 50)
        #expect(talker.participant.isSpeaker)
        talker.frequency = 0
        guard let switchAt = Self.runUntilDemoted(h, talker) else {
            Issue.record("the talker was never demoted")
            return
        }
        h.run(ticks: 30)
        Self.expectNoSeam(talker, at: switchAt, otherListeners ? "with other listeners" : "as the only listener")
    }
}
