import AudioMixer
import Foundation
import OpusCodec
import Testing

/// Isolated participants and per-participant announcements inside the mixer.
@Suite("Announcements and isolation in the mixer")
struct AnnouncementMixTests {
    func sine(_ frequency: Double, seconds: Double, rate: Double = 48_000, amplitude: Double = 8_000) -> [Int16] {
        let step = 2 * Double.pi * frequency / rate
        return (0..<Int(seconds * rate)).map { (i: Int) -> Int16 in Int16(amplitude * sin(step * Double(i))) }
    }

    @Test("an isolated participant is not heard and hears nothing but its announcement")
    func isolation() throws {
        let h = try MixerHarness()
        let talker = try h.add(frequency: 500)
        let isolated = try h.add(frequency: 900)
        let listener = try h.add(frequency: 0)
        isolated.participant.isIsolated = true
        h.run(ticks: 60)
        #expect(listener.hears(500) && !listener.hears(900))
        #expect(!talker.hears(900))
        #expect(!isolated.hears(500), "no mix for an isolated participant")
        #expect(!isolated.participant.output.transmit)
        #expect(!h.mixer.currentSpeakers.contains(isolated.participant.id))

        try isolated.participant.play(Announcement(audio: AnnouncementAudio(name: "music", samples48kHz: sine(1_700, seconds: 1)), loops: true))
        h.run(ticks: 60)
        #expect(isolated.hears(1_700) && !isolated.hears(500), "its announcement alone")
        #expect(!listener.hears(1_700) && !talker.hears(1_700))

        isolated.participant.isIsolated = false
        isolated.participant.stopAnnouncement()
        h.run(ticks: 60)
        #expect(listener.hears(900) && isolated.hears(500) && !isolated.hears(1_700), "admitted: both directions")
    }

    @Test("an announcement costs its listener one extra encode; a speaker's replaces its own")
    func encodeCost() throws {
        let h = try MixerHarness()
        let talkers = try (0..<3).map { try h.add(frequency: 400 + 250 * Double($0)) }
        let listeners = try (0..<6).map { _ in try h.add(frequency: 0) }
        h.run(ticks: 40)
        #expect(h.encodesPerTick.suffix(10).allSatisfy { $0 == 4 }, "3 speakers + 1 shared: \(h.encodesPerTick.suffix(10))")
        let audio = AnnouncementAudio(name: "prompt", samples48kHz: sine(1_300, seconds: 2))
        try listeners[0].participant.play(Announcement(audio: audio))
        try talkers[0].participant.play(Announcement(audio: audio))
        h.run(ticks: 40)
        #expect(h.encodesPerTick.suffix(30).allSatisfy { $0 == 5 }, "one more for the listener only: \(h.encodesPerTick.suffix(30))")
        #expect(listeners[0].hears(1_300) && listeners[0].hears(400) && listeners[0].hears(650))
        #expect(talkers[0].hears(1_300) && talkers[0].hears(650) && !talkers[0].hears(400), "its mix-minus with the prompt on top")
        #expect(!listeners[1].hears(1_300) && !talkers[1].hears(1_300))
    }

    @Test("a non-looping announcement finishes after its last frame; the participant goes back to the shared stream")
    func finishes() throws {
        let h = try MixerHarness()
        try h.add(frequency: 500)
        let hearer = try h.add(frequency: 0)
        let announcement = Announcement(audio: AnnouncementAudio(name: "short", samples48kHz: sine(1_300, seconds: 0.1) + [1, 2, 3]))
        try hearer.participant.play(announcement)
        h.run(ticks: 5)
        #expect(!announcement.isFinished, "5 ticks and 3 samples: not yet")
        h.run(ticks: 1)
        #expect(announcement.isFinished)
        h.run(ticks: 30)
        #expect(hearer.hears(500, lastSeconds: 0.3) && !hearer.hears(1_300, lastSeconds: 0.3))
        #expect(Announcement(audio: AnnouncementAudio(name: "empty", samples48kHz: []), loops: true).isFinished)
    }

    @Test("nobody to send the mix to: no encode at all")
    func everyoneIsolated() throws {
        let h = try MixerHarness()
        for member in try (0..<3).map({ try h.add(frequency: 300 + 200 * Double($0)) }) { member.participant.isIsolated = true }
        h.run(ticks: 20)
        #expect(h.encodesPerTick.allSatisfy { $0 == 0 }, "\(h.encodesPerTick)")
    }

    @Test("prompts at 8, 16 and 24 kHz are brought to 48 kHz with their level and without images")
    func upsampling() throws {
        for rate in [8_000, 16_000, 24_000] {
            let input = sine(1_000, seconds: 0.5, rate: Double(rate), amplitude: 10_000)
            let audio = try AnnouncementAudio(name: "tone", samples: input, sampleRate: rate)
            #expect(audio.samples.count == input.count * 48_000 / rate)
            let body = audio.samples[2_400..<21_600]
            let tone = tonePower(body, 1_000)
            let image = tonePower(body, Double(rate) - 1_000)
            #expect(abs(tone - tonePower(ArraySlice(sine(1_000, seconds: 0.4, amplitude: 10_000)), 1_000)) / tone < 0.05, "\(rate) Hz level")
            #expect(image < tone * 1e-4, "\(rate) Hz image: \(image) vs \(tone)")
        }
        let constant = try AnnouncementAudio(name: "dc", samples: [Int16](repeating: 1_000, count: 400), sampleRate: 16_000)
        #expect(constant.samples[300..<900].allSatisfy { abs(Int($0) - 1_000) <= 1 })
        #expect(throws: CodecError.self) { try AnnouncementAudio(name: "cd", samples: [0], sampleRate: 44_100) }
    }
}
