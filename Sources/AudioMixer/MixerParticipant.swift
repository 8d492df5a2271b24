import OpusCodec

/// One participant's audio inside a ``ConferenceMixer``: its jitter buffer, its decoder, its level and
/// what it is sent. Belongs to the conference's event loop; never shared across threads.
public final class MixerParticipant {
    /// Unique within the conference.
    public let id: Int
    /// The negotiated codec.
    public let format: AudioFormat
    /// Muted by the focus (an organizer, a presenter, mute on entry): heard by nobody (an ingress filter); it still
    /// hears the others. Only the focus changes it.
    public var isMuted = false
    /// Muted by the participant themselves (the self-mute DTMF sequence): heard by nobody either way. Separate from
    /// ``isMuted`` so a participant can never undo the focus's mute.
    public var isSelfMuted = false
    /// An isolated participant is neither heard nor sent the conference: only its announcement reaches it (a lobby,
    /// PIN entry). Takes effect at the next tick.
    public var isIsolated = false
    /// What plays to this participant alone (see ``play(_:)``); nil when nothing does. A non-looping announcement stays
    /// here, ``Announcement/isFinished``, until ``stopAnnouncement()``; the mixer no longer plays it.
    public private(set) var announcement: Announcement?
    /// Linear gain applied to this participant's voice (1.0 = unchanged; clamped to 0...8).
    public var gain: Double {
        get { Double(gainQ12) / 4096 }
        set { gainQ12 = Int32((max(0, min(8, newValue)) * 4096).rounded()) }
    }
    /// The jitter buffer, for its counters.
    public let jitterBuffer: JitterBuffer
    /// Whether the participant is one of the N mixed speakers now.
    public internal(set) var isSpeaker = false
    /// This tick's level, -dBov (RFC 6464 scale; 127 is silence).
    public internal(set) var level: UInt8 = AudioLevelMeter.silence
    /// What to send this participant after the last tick.
    public internal(set) var output = MixerOutput.none
    /// Frames that failed to decode (corrupt packets).
    public internal(set) var decodeErrors: UInt64 = 0

    var gainQ12: Int32 = MixKernel.unityGainQ12
    let decoder: OpusDecoder?
    /// G.711 participants: 8 kHz samples of the packet, and the filter that brings them to 48 kHz.
    private let narrowband: UnsafeMutableBufferPointer<Int16>
    private var upsampler = Upsampler8to48()
    /// The decoded frame of this tick (48 kHz mono); sized for the longest Opus frame so odd packets cannot overflow it.
    let pcm: UnsafeMutableBufferPointer<Int16>
    /// A speaker's own mix (everyone but itself).
    let mixMinus: UnsafeMutableBufferPointer<Int16>
    var frame: JitterBuffer.Frame = .silence
    var decodedThisTick = false
    var hasAudio = false
    var smoothedDBov: Float = -127
    var lastActiveTick: UInt64 = 0
    var ownStream: EncodedStream?
    /// The encoder of what this participant hears while an announcement plays to it (it cannot share the listeners'
    /// encode); made at its first announcement and kept, so later ones allocate nothing.
    private(set) var announcementStream: EncodedStream?
    /// Whether this tick's output came from ``announcementStream``.
    var announcedThisTick = false
    unowned let group: FormatGroup
    var sentLastTick = true

    init(id: Int, format: AudioFormat, group: FormatGroup, configuration: MixerConfiguration) throws {
        self.id = id
        self.format = format
        self.group = group
        jitterBuffer = JitterBuffer(configuration: configuration.jitterBuffer, clockRate: format.clockRate)
        switch format {
        case .opus: decoder = try OpusDecoder(channels: 1)
        case .pcmu, .pcma: decoder = nil
        }
        pcm = .allocate(capacity: Opus.maxFrameSamples)
        pcm.initialize(repeating: 0)
        mixMinus = .allocate(capacity: Opus.samplesPer20ms)
        mixMinus.initialize(repeating: 0)
        narrowband = .allocate(capacity: 1_280)
        narrowband.initialize(repeating: 0)
    }

    deinit {
        pcm.deallocate()
        mixMinus.deallocate()
        narrowband.deallocate()
    }

    /// Heard by the others (muted by nobody, not isolated).
    var isHeard: Bool {
        @inline(__always) get { !isMuted && !isSelfMuted && !isIsolated }
    }

    /// Whether an announcement is due to play this tick.
    var playsAnnouncement: Bool {
        @inline(__always) get {
            guard let announcement else { return false }
            return !announcement.isFinished
        }
    }

    /// Plays `announcement` to this participant alone from the next tick, replacing what played. Call on the
    /// conference's loop; the first call allocates this participant's announcement encoder (throws when it cannot).
    public func play(_ announcement: Announcement) throws {
        if announcementStream == nil { announcementStream = try EncodedStream(format: format) }
        if !playsAnnouncement, let stream = announcementStream {
            // Continue the stream this participant is hearing, so its decoder hears no seam.
            stream.continueFrom(ownStream ?? group.shared)
        }
        self.announcement = announcement
    }

    /// Stops what plays to this participant (its encoder is kept for the next announcement).
    public func stopAnnouncement() {
        announcement = nil
    }

    /// Hands the mixer one received RTP payload. `audioLevel` is the RFC 6464 level (-dBov) when the packet
    /// carried one; `arrival` is a monotonic time in nanoseconds. Never allocates.
    @discardableResult
    public func receive(
        payload: UnsafeRawBufferPointer, sequenceNumber: UInt16, timestamp: UInt32, audioLevel: UInt8? = nil,
        arrival: UInt64
    ) -> Bool {
        jitterBuffer.insert(
            payload: payload, sequenceNumber: sequenceNumber, timestamp: timestamp, audioLevel: audioLevel,
            arrival: arrival)
    }

    /// The 20 ms of this tick as 48 kHz PCM.
    var frame20ms: UnsafeBufferPointer<Int16> {
        UnsafeBufferPointer(rebasing: pcm[0..<Opus.samplesPer20ms])
    }

    /// G.711: expand the 8 kHz frame and bring it to 48 kHz; a gap repeats the last frame at half level
    /// (simple concealment in the spirit of G.711 Appendix I) until it fades out.
    private func decodeG711(profile: inout MixerProfile) -> Bool {
        switch frame {
        case .silence:
            hasAudio = false
        case .packet(let packet):
            let count = min(packet.payload.count, 160)
            let input = UnsafeRawBufferPointer(rebasing: packet.payload[0..<count])
            let decoded =
                format == .pcma
                ? G711.decodeALaw(input, into: narrowband) : G711.decodeMuLaw(input, into: narrowband)
            for i in decoded..<160 { narrowband[i] = 0 }
            _ = upsampler.process(UnsafeBufferPointer(rebasing: narrowband[0..<160]), into: pcm)
            profile.decodes &+= 1
            hasAudio = decoded > 0
        case .lost, .underrun:
            var any = false
            for i in 0..<Opus.samplesPer20ms {
                pcm[i] >>= 1
                any = any || pcm[i] != 0
            }
            jitterBuffer.noteConcealment(fromFEC: false)
            hasAudio = any
        }
        return hasAudio
    }

    /// Decodes (or conceals) the frame due this tick into `pcm`, once. Returns whether there is audio.
    @inline(__always)
    func decodeDueFrame(profile: inout MixerProfile, profiling: Bool) -> Bool {
        if decodedThisTick { return hasAudio }
        decodedThisTick = true
        guard let decoder else { return decodeG711(profile: &profile) }
        let start = profiling ? monotonicNanoseconds() : 0
        let result: Result<Int, CodecError>
        switch frame {
        case .silence:
            hasAudio = false
            return false
        case .packet(let packet):
            if packet.payload.count <= 2 {
                hasAudio = false
                return false
            }
            result = decoder.decode(packet.payload, into: pcm)
        case .lost(let next):
            if let next, next.payload.count > 2 {
                result = decoder.decodeFEC(from: next.payload, frameSamples: Opus.samplesPer20ms, into: pcm)
                jitterBuffer.noteConcealment(fromFEC: true)
            } else {
                result = decoder.conceal(frameSamples: Opus.samplesPer20ms, into: pcm)
                jitterBuffer.noteConcealment(fromFEC: false)
            }
        case .underrun:
            result = decoder.conceal(frameSamples: Opus.samplesPer20ms, into: pcm)
            jitterBuffer.noteConcealment(fromFEC: false)
        }
        if profiling {
            profile.codecNanoseconds &+= monotonicNanoseconds() &- start
        }
        profile.decodes &+= 1
        switch result {
        case .success(let samples) where samples >= Opus.samplesPer20ms:
            hasAudio = true
        case .success(let samples):
            // A shorter frame (2.5–10 ms packets): pad the rest of the tick with silence.
            let filled = max(0, samples)
            for i in filled..<Opus.samplesPer20ms { pcm[i] = 0 }
            hasAudio = filled > 0
        case .failure:
            decodeErrors &+= 1
            hasAudio = false
        }
        return hasAudio
    }
}
