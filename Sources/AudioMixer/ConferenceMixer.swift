import OpusCodec

/// The audio of one conference: every 20 ms ``tick(now:)`` takes 20 ms of media from each participant's jitter buffer
/// (whatever its packet time), chooses the N loudest talkers, mixes them once, and encodes one stream per speaker plus
/// one shared stream per codec setting and packet time for everyone else (so a tick costs N+1 Opus encodes, whatever
/// the size of the meeting, plus the handovers below).
///
/// Moving between a stream of its own and the shared one is never a seam for the receiver's decoder: a new speaker's
/// encoder starts as a copy of the shared one; a speaker who stops being mixed keeps its encoder, now fed what
/// listeners hear, until the mix pauses or nobody else listens to the shared stream (which then takes over its
/// encoder's state). That costs one more encode per such former speaker while the mix goes on; the group's pool
/// bounds them to N.
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
    /// `maxPacketMilliseconds` is the peer's SDP maxptime (RFC 4566 §6): it is sent 20 ms packets, or 10 ms packets
    /// (two per tick) when that is below 20. What it sends may have any packet time.
    public func addParticipant(format: AudioFormat, gain: Double = 1, maxPacketMilliseconds: Int? = nil) throws
        -> MixerParticipant
    {
        let group = try self.group(format: format, packetsPerTick: Self.packetsPerTick(maxPacketMilliseconds: maxPacketMilliseconds))
        let participant = try MixerParticipant(id: nextID, format: format, group: group, configuration: configuration)
        nextID += 1
        participant.gain = gain
        group.members += 1
        participants.append(participant)
        return participant
    }

    /// The group of that format and packet time, made (and its encoders allocated) when there is none.
    private func group(format: AudioFormat, packetsPerTick: Int) throws -> FormatGroup {
        if let existing = groups.first(where: { $0.format == format && $0.packetsPerTick == packetsPerTick }) { return existing }
        let group = try FormatGroup(format: format, packetsPerTick: packetsPerTick, speakers: configuration.speakers)
        groups.append(group)
        return group
    }

    /// A renegotiation changed the peer's maxptime: the participant is sent at the new packet time from the next tick,
    /// from the group of that packet time (a speaker gives its own encoder back and is chosen again by level). Returns
    /// whether it moved; throws when the new group's encoders cannot be made (nothing changed then).
    @discardableResult
    public func setMaxPacketTime(_ participant: MixerParticipant, maxPacketMilliseconds: Int?) throws -> Bool {
        let packetsPerTick = Self.packetsPerTick(maxPacketMilliseconds: maxPacketMilliseconds)
        let old = participant.group
        guard packetsPerTick != old.packetsPerTick, participants.contains(where: { $0 === participant }) else { return false }
        let new = try group(format: participant.format, packetsPerTick: packetsPerTick)
        let announcement: EncodedStream?
        do {
            announcement = try participant.announcementStream(for: new)
        } catch {
            if new.members == 0 { groups.removeAll { $0 === new } }
            throw error
        }
        if participant.isSpeaker { demote(participant) }
        endHandover(participant)
        old.members -= 1
        if old.members == 0 { groups.removeAll { $0 === old } }
        participant.join(new, announcementStream: announcement)
        new.members += 1
        return true
    }

    /// Packets per 20 ms tick for a peer's maxptime: 20 ms packets unless it asks for less, then 10 ms.
    static func packetsPerTick(maxPacketMilliseconds: Int?) -> Int {
        guard let max = maxPacketMilliseconds, max < 20 else { return 1 }
        return 2
    }

    /// Removes a participant; its stream and buffers are freed.
    public func remove(_ participant: MixerParticipant) {
        guard let index = participants.firstIndex(where: { $0 === participant }) else { return }
        if participant.isSpeaker { demote(participant) }
        endHandover(participant)
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
        if tickCount % Self.lossAdaptationTicks == 0 { adaptToLoss() }
        mixAndEncode()
    }

    /// Ticks between two looks at the receivers' loss: a second (RTCP reports come every few seconds).
    static let lossAdaptationTicks: UInt64 = 50

    /// Lets each adaptive Opus stream follow the worst loss its receivers report: a speaker's own stream its peer's,
    /// the shared stream of a group that of its listeners. A stream that starts a speaker (a copy of the shared one)
    /// or takes over a former speaker's state carries the other's protection until the next look.
    private func adaptToLoss() {
        for g in groups {
            var worst = 0
            for p in participants where p.group === g && p.ownStream == nil && !p.isIsolated {
                worst = max(worst, p.reportedLossPercent)
            }
            g.shared.protect(againstLossPercent: worst)
        }
        for p in participants {
            p.ownStream?.protect(againstLossPercent: p.reportedLossPercent)
        }
    }

    // MARK: - Levels

    private func measureLevels() {
        let trustLevels = configuration.trustAudioLevelExtension
        for p in participants {
            p.takeDueMedia()
            var level = AudioLevelMeter.silence
            if p.isHeard {
                switch p.due {
                case .silence:
                    break  // nothing, or DTX: silence without decoding
                case .sound(let carried):
                    if trustLevels, let carried {
                        level = carried
                    } else if p.decodeDueFrame(profile: &profile, profiling: profiling) {
                        level = AudioLevelMeter.level(of: p.frame20ms)
                    }
                case .gap:
                    // Only a speaker's gap is worth concealing; others are treated as quiet.
                    if p.isSpeaker, p.decodeDueFrame(profile: &profile, profiling: profiling) {
                        level = AudioLevelMeter.level(of: p.frame20ms)
                    }
                }
            }
            p.level = level
            if case .sound = p.due { p.jitterBuffer.notePlayedFrame(active: -Float(level) >= thresholdDBov) }
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
        if p.isHandingOver {
            // Back before its handover ended: it still hears its own encoder.
            p.isHandingOver = false
        } else {
            if !p.group.hasFreeStream, let former = participants.first(where: { $0.isHandingOver && $0.group === p.group }) {
                endHandover(former)  // more handovers than the pool holds: one ends early, with a seam
            }
            guard let stream = p.group.takeSpeakerStream() else { return }
            p.ownStream = stream
        }
        p.isSpeaker = true
        speakers.append(p)
    }

    /// A speaker that is no longer mixed keeps its encoder, now fed what listeners hear, until it can join the shared
    /// stream without a seam (``handOver()``).
    private func demote(_ p: MixerParticipant) {
        p.isSpeaker = false
        speakers.removeAll { $0 === p }
        p.isHandingOver = p.ownStream != nil
    }

    /// Ends a former speaker's handover: it hears the shared stream from now on.
    private func endHandover(_ p: MixerParticipant) {
        guard !p.isSpeaker, let stream = p.ownStream else { return }
        p.group.giveBack(stream)
        p.ownStream = nil
        p.isHandingOver = false
    }

    /// Former speakers move to the shared stream when that is no seam: while the mix is quiet (their decoder's state
    /// does not matter then), or when nobody else listens to the shared stream (it takes over their encoder's state,
    /// so it continues what they heard). Until then they hear the full mix from their own encoder. One that hears
    /// nothing (isolated) or hears an announcement (its own encoder continued the stream) moves at once.
    private func handOver() {
        var quiet: Bool?
        for p in participants where p.isHandingOver {
            let group = p.group
            if p.isIsolated || p.playsAnnouncement {
                endHandover(p)
                continue
            }
            if group.listeners == 0, let stream = p.ownStream {
                group.shared.continueFrom(stream)
                endHandover(p)
                group.listeners += 1
                continue
            }
            let mixIsQuiet = quiet ?? (-Float(AudioLevelMeter.level(of: UnsafeBufferPointer(fullMix))) < thresholdDBov)
            quiet = mixIsQuiet
            if mixIsQuiet {
                endHandover(p)
                group.listeners += 1
            } else if let stream = p.ownStream {
                encode(stream, UnsafeBufferPointer(fullMix))
            }
        }
    }

    // MARK: - Mix and encode

    private func mixAndEncode() {
        // Decode every speaker, and every active talker that may become one, so its decoder stays current (and a long
        // packet that starts a talk spurt is decoded whole).
        for p in participants
        where p.isSpeaker || (p.isHeard && (p.smoothedDBov >= thresholdDBov || -Float(p.level) >= thresholdDBov)) {
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
        for p in participants where !p.isSpeaker && !p.isHandingOver && !p.isIsolated && !p.playsAnnouncement {
            p.group.listeners += 1
        }
        handOver()
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
            let count = p.group.packetsPerTick
            let increment = UInt32(p.format.samplesPerFrame / count)
            guard let stream else {
                let none = MixerPacket.none(timestampIncrement: increment)
                p.output = count == 1 ? MixerOutput(none) : MixerOutput(none, none)
                p.sentLastTick = false
                continue
            }
            let first = packet(stream, 0, increment, after: p.sentLastTick)
            if count == 1 {
                p.output = MixerOutput(first)
            } else {
                p.output = MixerOutput(first, packet(stream, 1, increment, after: first.transmit))
            }
            p.sentLastTick = p.output[count - 1].transmit
        }
    }

    @inline(__always)
    private func packet(_ stream: EncodedStream, _ index: Int, _ increment: UInt32, after sent: Bool) -> MixerPacket {
        let transmit = stream.length(index) > 0 && !stream.isDiscontinuous(index)
        return MixerPacket(payload: stream.payload(index), transmit: transmit, marker: transmit && !sent, timestampIncrement: increment)
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
