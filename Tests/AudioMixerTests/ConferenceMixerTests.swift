import AudioMixer
import OpusCodec
import Testing

@Suite("Conference mixer")
struct ConferenceMixerTests {
    @Test("each speaker hears the others but not itself; listeners hear every speaker")
    func mixMinus() throws {
        let h = try MixerHarness()
        let a = try h.add(frequency: 400)
        let b = try h.add(frequency: 700)
        let c = try h.add(frequency: 1_100)
        let listener = try h.add(frequency: 0)
        h.run(ticks: 100)
        #expect(!a.hears(400) && a.hears(700) && a.hears(1_100))
        #expect(b.hears(400) && !b.hears(700) && b.hears(1_100))
        #expect(c.hears(400) && c.hears(700) && !c.hears(1_100))
        #expect(listener.hears(400) && listener.hears(700) && listener.hears(1_100))
        #expect(Set(h.mixer.currentSpeakers) == Set([a, b, c].map(\.participant.id)))
    }

    @Test("a tick costs at most N+1 encodes, however many talk")
    func encodeSharing() throws {
        let h = try MixerHarness()
        for i in 0..<6 { try h.add(frequency: 300 + 150 * Double(i)) }
        for _ in 0..<14 { try h.add(frequency: 0) }
        h.run(ticks: 50)
        #expect(h.encodesPerTick.allSatisfy { $0 <= 4 })
        #expect(h.mixer.currentSpeakers.count == 3)
    }

    @Test("the N loudest talkers are chosen")
    func loudestWin() throws {
        var configuration = MixerConfiguration()
        configuration.speakers = 2
        let h = try MixerHarness(configuration: configuration)
        let quiet = try h.add(frequency: 500, amplitude: 300)
        let loud1 = try h.add(frequency: 800, amplitude: 9_000)
        let loud2 = try h.add(frequency: 1_200, amplitude: 9_000)
        h.run(ticks: 50)
        #expect(Set(h.mixer.currentSpeakers) == Set([loud1.participant.id, loud2.participant.id]))
        #expect(!quiet.participant.isSpeaker)
    }

    @Test("speakers do not flap: a challenger needs the switch margin to take a place")
    func hysteresis() throws {
        var configuration = MixerConfiguration()
        configuration.speakers = 1
        configuration.switchMarginDB = 6
        configuration.holdMilliseconds = 400
        let h = try MixerHarness(configuration: configuration)
        let first = try h.add(frequency: 500, amplitude: 6_000)
        h.run(ticks: 20)
        let challenger = try h.add(frequency: 900, amplitude: 7_000)  // +1.3 dB: not enough
        h.run(ticks: 50)
        #expect(h.mixer.currentSpeakers == [first.participant.id])
        first.frequency = 0  // the speaker stops: the one still talking takes the place
        h.run(ticks: 30)
        #expect(h.mixer.currentSpeakers == [challenger.participant.id])
        let shouter = try h.add(frequency: 1_300, amplitude: 20_000)  // +9 dB: takes it
        h.run(ticks: 10)
        #expect(h.mixer.currentSpeakers == [shouter.participant.id])
    }

    @Test("a speaker's place is held through a pause shorter than the hold time, then released")
    func holdTime() throws {
        var configuration = MixerConfiguration()
        configuration.holdMilliseconds = 400
        let h = try MixerHarness(configuration: configuration)
        let talker = try h.add(frequency: 500)
        try h.add(frequency: 0)
        h.run(ticks: 20)
        talker.frequency = 0
        h.run(ticks: 10)
        #expect(talker.participant.isSpeaker)
        h.run(ticks: 40)
        #expect(!talker.participant.isSpeaker)
        #expect(h.mixer.currentSpeakers.isEmpty)
    }

    @Test("a muted participant is heard by nobody and is never a speaker, but still hears")
    func mute() throws {
        let h = try MixerHarness()
        let talker = try h.add(frequency: 600)
        let muted = try h.add(frequency: 1_000)
        let listener = try h.add(frequency: 0)
        muted.participant.isMuted = true
        h.run(ticks: 60)
        #expect(!muted.participant.isSpeaker)
        #expect(!listener.hears(1_000) && !talker.hears(1_000))
        #expect(muted.hears(600))
    }

    @Test("a participant muted by themselves is silent like one muted by the focus, and lifting one mute leaves the other")
    func twoMuteOwners() throws {
        let h = try MixerHarness()
        let talker = try h.add(frequency: 600)
        let muted = try h.add(frequency: 1_000)
        let listener = try h.add(frequency: 0)
        muted.participant.isSelfMuted = true
        h.run(ticks: 60)
        #expect(!listener.hears(1_000) && !talker.hears(1_000))
        muted.participant.isMuted = true
        muted.participant.isSelfMuted = false
        h.run(ticks: 60)
        #expect(!listener.hears(1_000), "the focus's mute holds when the self-mute is lifted")
        muted.participant.isMuted = false
        h.run(ticks: 60)
        #expect(listener.hears(1_000))
    }

    @Test("participants whose packets carry an RFC 6464 level are decoded only while they talk")
    func decodeOnlyTalkers() throws {
        let h = try MixerHarness()
        try h.add(frequency: 500, sendLevels: true)
        try h.add(frequency: 900, sendLevels: true)
        for _ in 0..<18 { try h.add(frequency: 0, sendLevels: true) }
        h.run(ticks: 10)
        let before = h.mixer.profile.decodes
        h.run(ticks: 50)
        let perTick = Double(h.mixer.profile.decodes - before) / 50
        #expect(perTick <= 2.0, "decodes per tick: \(perTick)")
    }

    @Test("without levels every participant is decoded to measure it")
    func decodeAllWithoutLevels() throws {
        let h = try MixerHarness()
        try h.add(frequency: 500)
        for _ in 0..<4 { try h.add(frequency: 0) }
        h.run(ticks: 20)
        let before = h.mixer.profile.decodes
        h.run(ticks: 20)
        #expect(h.mixer.profile.decodes - before == 100)
    }

    @Test("gain scales a participant's voice")
    func gain() throws {
        let h = try MixerHarness()
        let talker = try h.add(frequency: 600, amplitude: 8_000)
        let listener = try h.add(frequency: 0)
        h.run(ticks: 40)
        let full = tonePower(listener.heard.suffix(24_000), 600)
        talker.participant.gain = 0.5
        h.run(ticks: 40)
        let half = tonePower(listener.heard.suffix(24_000), 600)
        #expect(half < full * 0.4 && half > full * 0.1, "full \(full), half \(half)")
    }

    @Test("a listener who starts talking keeps hearing a seamless stream (its encoder continues the shared one)")
    func seamlessPromotion() throws {
        let h = try MixerHarness()
        let talker = try h.add(frequency: 400)
        let joiner = try h.add(frequency: 0)
        h.run(ticks: 50)
        let switchAt = joiner.heard.count
        joiner.frequency = 1_000
        h.run(ticks: 30)
        #expect(joiner.participant.isSpeaker)
        // What the joiner hears stays the 400 Hz tone: no burst of other energy at the switch.
        let window = joiner.heard[(switchAt - 1_920)..<(switchAt + 4_800)]
        let tone = tonePower(window, 400)
        let total = totalPower(window)
        #expect(tone > 0.4 * total, "tone \(tone) of total \(total)")
        _ = talker
    }

    @Test("a participant who leaves frees its speaker place")
    func removal() throws {
        let h = try MixerHarness()
        let a = try h.add(frequency: 400)
        let b = try h.add(frequency: 800)
        h.run(ticks: 20)
        h.mixer.remove(a.participant)
        h.members.removeAll { $0 === a }
        h.run(ticks: 5)
        #expect(h.mixer.currentSpeakers == [b.participant.id])
        #expect(h.mixer.participants.count == 1)
    }

    @Test("a corrupt packet is counted and the conference goes on")
    func corruptInput() throws {
        let mixer = try ConferenceMixer()
        let p = try mixer.addParticipant(format: .opus(OpusEncoderSettings()))
        let garbage: [UInt8] = [0x03, 0x00, 0xFF, 0xFF]
        for i in 0..<10 {
            garbage.withUnsafeBytes {
                _ = p.receive(payload: $0, sequenceNumber: UInt16(i), timestamp: UInt32(i * 960), arrival: UInt64(i) * 20_000_000)
            }
            mixer.tick(now: UInt64(i) * 20_000_000 + 1)
        }
        #expect(p.decodeErrors > 0)
    }

    @Test("a configuration that cannot work is refused with a reason")
    func badConfiguration() {
        var c = MixerConfiguration()
        c.speakers = 0
        #expect(throws: CodecError.self) { try ConferenceMixer(configuration: c) }
        c = MixerConfiguration()
        c.jitterBuffer.minDelayMilliseconds = 300
        #expect(c.validationProblem()?.contains("minDelayMilliseconds") == true)
    }
}

@Suite("Soft limiter and mix kernel")
struct MixKernelTests {
    @Test("the limiter is the identity below its threshold, bounded and monotonic above it")
    func limiter() {
        let l = SoftLimiter(thresholdFraction: 0.75)
        #expect(l.limit(1_000) == 1_000 && l.limit(-24_000) == -24_000)
        var previous = l.limit(l.threshold)
        for x in stride(from: l.threshold, through: 400_000, by: 997) {
            let y = l.limit(x)
            #expect(y >= previous)
            previous = y
        }
        #expect(l.limit(Int32.max) <= 32_767 && l.limit(Int32.min) >= -32_767)
        #expect(l.limit(40_000) < 32_767 && l.limit(40_000) > 29_000)
    }

    @Test("mix-minus equals the sum of the others, sample for sample")
    func mixMinusArithmetic() {
        let a: [Int16] = [100, -200, 300]
        let b: [Int16] = [10, 20, -30]
        var sum = [Int32](repeating: 0, count: 3)
        sum.withUnsafeMutableBufferPointer { s in
            a.withUnsafeBufferPointer { MixKernel.accumulate($0, gainQ12: MixKernel.unityGainQ12, into: s) }
            b.withUnsafeBufferPointer { MixKernel.accumulate($0, gainQ12: MixKernel.unityGainQ12, into: s) }
        }
        var out = [Int16](repeating: 0, count: 3)
        sum.withUnsafeBufferPointer { s in
            a.withUnsafeBufferPointer { own in
                out.withUnsafeMutableBufferPointer {
                    MixKernel.mixMinus(s, minus: own, gainQ12: MixKernel.unityGainQ12, limiter: SoftLimiter(), into: $0)
                }
            }
        }
        #expect(out == b)
    }

    @Test("RFC 6464 levels: full-scale square is 0 dBov, silence is 127")
    func levels() {
        let square = [Int16](repeating: 32_767, count: 960)
        #expect(square.withUnsafeBufferPointer { AudioLevelMeter.level(of: $0) } == 0)
        #expect([Int16](repeating: 0, count: 960).withUnsafeBufferPointer { AudioLevelMeter.level(of: $0) } == 127)
        let quiet = [Int16](repeating: 328, count: 960)  // 1% of full scale = -40 dBov
        #expect(quiet.withUnsafeBufferPointer { AudioLevelMeter.level(of: $0) } == 40)
    }
}
