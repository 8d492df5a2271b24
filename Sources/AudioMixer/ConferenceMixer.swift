import OpusCodec

/// The audio of one conference: every 20 ms ``tick(now:)`` takes one frame from each participant's jitter buffer,
/// chooses the N loudest talkers, mixes them once, and encodes at most one stream per speaker plus one shared stream
/// per codec setting for everyone else (so a tick costs at most N+1 Opus encodes, whatever the size of the meeting).
///
/// Decoding is skipped where it is not needed: a participant whose packets carry an RFC 6464 level, or who is in
/// DTX, is decoded only while it is (about to be) a speaker.
///
/// A participant can be isolated (neither heard nor sent the mix) and can hear an announcement of its own, on top of
/// its mix or alone; each such participant costs one more encode while its announcement plays.
///
/// A conference lives on one event loop and is never touched from another; nothing here takes a lock, and a tick in
/// steady state allocates nothing.
public final class ConferenceMixer {
    /// The settings.
    public let configuration: MixerConfiguration
    /// Everyone in the conference, in joining order.
    public private(set) var participants: [MixerParticipant] = []
    /// Turn on to fill ``profile`` with the time spent in the codec library.
    public var profiling = false
    /// Counts and (when ``profiling``) codec time.
    public internal(set) var profile = MixerProfile()

    private(set) var speakers: [MixerParticipant] = []
    private var groups: [FormatGroup] = []
    private let sum: UnsafeMutableBufferPointer<Int32>
    private let fullMix: UnsafeMutableBufferPointer<Int16>
    private let limiter: SoftLimiter
    private let thresholdDBov: Float
    private let marginDB: Float
    private let holdTicks: UInt64
    private var tickCount: UInt64 = 0
    private var nextID = 1

    /// Creates an empty conference; throws when the configuration cannot work.
    public init(configuration: MixerConfiguration = MixerConfiguration()) throws {
        if let problem = configuration.validationProblem() {
            throw CodecError(.unsupportedSetting, problem)
        }
        self.configuration = configuration
        limiter = SoftLimiter(thresholdFraction: configuration.limiterThreshold)
        thresholdDBov = Float(configuration.activityThresholdDBov)
        marginDB = Float(configuration.switchMarginDB)
        holdTicks = UInt64(max(0, configuration.holdMilliseconds) / 20)
        sum = .allocate(capacity: Opus.samplesPer20ms)
        sum.initialize(repeating: 0)
        fullMix = .allocate(capacity: Opus.samplesPer20ms)
        fullMix.initialize(repeating: 0)
        speakers.reserveCapacity(configuration.speakers)
    }

    deinit {
        sum.deallocate()
        fullMix.deallocate()
    }

    /// The participants mixed now, loudest first is not guaranteed.
    public var currentSpeakers: [Int] { speakers.map(\.id) }

    /// Adds a participant receiving and sending `format`. Allocates its buffers and codec state.
    public func addParticipant(format: AudioFormat, gain: Double = 1) throws -> MixerParticipant {
        let group: FormatGroup
        if let existing = groups.first(where: { $0.format == format }) {
            group = existing
        } else {
            group = try FormatGroup(format: format, speakers: configuration.speakers)
            groups.append(group)
        }
        let participant = try MixerParticipant(id: nextID, format: format, group: group, configuration: configuration)
        nextID += 1
        participant.gain = gain
        group.members += 1
        participants.append(participant)
        return participant
    }

    /// Removes a participant; its stream and buffers are freed.
    public func remove(_ participant: MixerParticipant) {
        guard let index = participants.firstIndex(where: { $0 === participant }) else { return }
        if participant.isSpeaker { demote(participant) }
        participants.remove(at: index)
        let group = participant.group
        group.members -= 1
        if group.members == 0 { groups.removeAll { $0 === group } }
    }

    /// Runs one 20 ms tick. `now` is a monotonic time in nanoseconds.
    public func tick(now: UInt64) {
        tickCount &+= 1
        profile.ticks &+= 1
        measureLevels()
        chooseSpeakers()
        mixAndEncode()
    }

    // MARK: - Levels

    private func measureLevels() {
        let trustLevels = configuration.trustAudioLevelExtension
        for p in participants {
            p.frame = p.jitterBuffer.pop()
            p.decodedThisTick = false
            p.hasAudio = false
            var level = AudioLevelMeter.silence
            if p.isHeard {
                switch p.frame {
                case .silence:
                    break
                case .packet(let packet):
                    if packet.payload.count <= 2 {
                        break  // DTX: silence without decoding
                    } else if trustLevels, let carried = packet.audioLevel {
                        level = carried
                    } else if p.decodeDueFrame(profile: &profile, profiling: profiling) {
                        level = AudioLevelMeter.level(of: p.frame20ms)
                    }
                case .lost, .underrun:
                    // Only a speaker's gap is worth concealing; others are treated as quiet.
                    if p.isSpeaker, p.decodeDueFrame(profile: &profile, profiling: profiling) {
                        level = AudioLevelMeter.level(of: p.frame20ms)
                    }
                }
            }
            p.level = level
            if case .packet = p.frame { p.jitterBuffer.notePlayedFrame(active: -Float(level) >= thresholdDBov) }
            let dBov = -Float(level)
            // Fast attack, slow release: a word onset is caught within a frame, a short gap does not drop the speaker.
            p.smoothedDBov += (dBov > p.smoothedDBov ? 0.6 : 0.1) * (dBov - p.smoothedDBov)
            if p.smoothedDBov >= thresholdDBov { p.lastActiveTick = tickCount }
        }
    }

    // MARK: - Speakers

    private func chooseSpeakers() {
        // Release speakers that were muted or have been quiet longer than the hold time.
        var i = 0
        while i < speakers.count {
            let s = speakers[i]
            if !s.isHeard || tickCount &- s.lastActiveTick > holdTicks {
                demote(s)
            } else {
                i += 1
            }
        }
        // Fill free places with the loudest active talkers; then let at most one challenger that is clearly
        // louder than the quietest speaker take its place.
        while let candidate = loudestCandidate() {
            if speakers.count < configuration.speakers {
                promote(candidate)
                continue
            }
            if let quietest = quietestSpeaker(), candidate.smoothedDBov > quietest.smoothedDBov + marginDB {
                demote(quietest)
                promote(candidate)
            }
            break
        }
    }

    private func loudestCandidate() -> MixerParticipant? {
        var best: MixerParticipant?
        for p in participants where !p.isSpeaker && p.isHeard && p.smoothedDBov >= thresholdDBov {
            if best == nil || p.smoothedDBov > (best?.smoothedDBov ?? -200) { best = p }
        }
        return best
    }

    private func quietestSpeaker() -> MixerParticipant? {
        var worst: MixerParticipant?
        for s in speakers where worst == nil || s.smoothedDBov < (worst?.smoothedDBov ?? 200) { worst = s }
        return worst
    }

    private func promote(_ p: MixerParticipant) {
        guard let stream = p.group.takeSpeakerStream() else { return }
        p.ownStream = stream
        p.isSpeaker = true
        speakers.append(p)
    }

    private func demote(_ p: MixerParticipant) {
        if let stream = p.ownStream { p.group.giveBack(stream) }
        p.ownStream = nil
        p.isSpeaker = false
        speakers.removeAll { $0 === p }
    }

    // MARK: - Mix and encode

    private func mixAndEncode() {
        // Decode every speaker, and every active talker that may become one, so its decoder stays current.
        for p in participants where p.isSpeaker || (p.isHeard && p.smoothedDBov >= thresholdDBov) {
            _ = p.decodeDueFrame(profile: &profile, profiling: profiling)
        }
        for i in 0..<sum.count { sum[i] = 0 }
        for s in speakers where s.hasAudio {
            MixKernel.accumulate(s.frame20ms, gainQ12: s.gainQ12, into: sum)
        }
        let total = UnsafeBufferPointer(sum)
        MixKernel.limit(total, limiter: limiter, into: fullMix)

        for s in speakers {
            guard let stream = s.ownStream else { continue }
            if s.hasAudio {
                MixKernel.mixMinus(total, minus: s.frame20ms, gainQ12: s.gainQ12, limiter: limiter, into: s.mixMinus)
            } else {
                for i in 0..<s.mixMinus.count { s.mixMinus[i] = fullMix[i] }
            }
            // A speaker hearing an announcement is encoded below, with the announcement on top.
            if !s.playsAnnouncement { encode(stream, UnsafeBufferPointer(s.mixMinus)) }
        }
        for g in groups { g.listeners = 0 }
        for p in participants where !p.isSpeaker && !p.isIsolated && !p.playsAnnouncement { p.group.listeners += 1 }
        for g in groups where g.listeners > 0 {
            encode(g.shared, UnsafeBufferPointer(fullMix))
        }
        encodeAnnouncements()
        for p in participants {
            let stream: EncodedStream?
            if p.announcedThisTick {
                stream = p.announcementStream
            } else if p.isIsolated {
                stream = nil  // nothing to hear: send nothing, let the timestamp advance
            } else {
                stream = p.ownStream ?? p.group.shared
            }
            let increment = UInt32(p.format.samplesPerFrame)
            guard let stream else {
                p.output = MixerOutput(payload: UnsafeRawBufferPointer(start: nil, count: 0), transmit: false, marker: false, timestampIncrement: increment)
                p.sentLastTick = false
                continue
            }
            let transmit = stream.length > 0 && !stream.isDiscontinuous
            p.output = MixerOutput(
                payload: stream.payload, transmit: transmit, marker: transmit && !p.sentLastTick, timestampIncrement: increment)
            p.sentLastTick = transmit
        }
    }

    /// One extra encode per participant hearing an announcement: what it would hear (its mix-minus as a speaker, the
    /// full mix as a listener, nothing when isolated) with the next 20 ms of the prompt on top.
    private func encodeAnnouncements() {
        for p in participants {
            p.announcedThisTick = false
            guard p.playsAnnouncement, let announcement = p.announcement, let stream = p.announcementStream else { continue }
            let heard: UnsafeBufferPointer<Int16>?
            if p.isIsolated {
                heard = nil
            } else if p.isSpeaker {
                heard = UnsafeBufferPointer(p.mixMinus)
            } else {
                heard = UnsafeBufferPointer(fullMix)
            }
            announcement.mix(over: heard, limiter: limiter, into: p.mixMinus)
            encode(stream, UnsafeBufferPointer(p.mixMinus))
            p.announcedThisTick = true
        }
    }

    @inline(__always)
    private func encode(_ stream: EncodedStream, _ pcm: UnsafeBufferPointer<Int16>) {
        let start = profiling ? monotonicNanoseconds() : 0
        _ = stream.encode(pcm, tick: tickCount)
        if profiling { profile.codecNanoseconds &+= monotonicNanoseconds() &- start }
        profile.encodes &+= 1
    }
}
