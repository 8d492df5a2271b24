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
    /// Packets that could not be decoded: corrupt, or whose Opus TOC gives no media time (dropped on arrival).
    public internal(set) var decodeErrors: UInt64 = 0

    var gainQ12: Int32 = MixKernel.unityGainQ12
    let decoder: OpusDecoder?
    /// G.711 participants: 8 kHz samples of a packet (up to 120 ms), and the filter that brings them to 48 kHz.
    let narrowband: UnsafeMutableBufferPointer<Int16>
    var upsampler = Upsampler8to48()
    /// 48 kHz samples per RTP clock unit: 1 for Opus, 6 for G.711.
    let samplesPerClockUnit: Int
    /// 48 kHz PCM, allocated once: the frame played last tick (G.711 concealment repeats it), then this tick's frame
    /// and what is left of longer packets for the ticks after (``carryCount`` samples from ``Playout/history``).
    let carry: UnsafeMutableBufferPointer<Int16>
    /// Samples after the history that are decoded (or filled) and not yet played.
    var carryCount = 0
    /// What the samples at the end of the carry came from, whether they were decoded to sound, and the level the
    /// packet they came from carried.
    var carrySource = Playout.Source.silence
    var carryAudible = false
    var carryLevel: UInt8?
    /// What the jitter buffer handed out for this tick, decoded only when the tick needs the sound (``decodeDueFrame``).
    let pieces: UnsafeMutableBufferPointer<JitterBuffer.Frame>
    var pieceCount = 0
    /// What this tick holds, for the level measurement.
    var due = Playout.Due.silence
    /// Whether the carry held sound before this tick's pieces.
    var carriedAudible = false
    /// A speaker's own mix (everyone but itself).
    let mixMinus: UnsafeMutableBufferPointer<Int16>
    var decodedThisTick = false
    var hasAudio = false
    var smoothedDBov: Float = -127
    var lastActiveTick: UInt64 = 0
    /// The encoder of what this participant hears while it speaks, and for a while after (``isHandingOver``).
    var ownStream: EncodedStream?
    /// The loss (%) the peer last reported about what it is sent (RTCP, RFC 3550 §6.4.1 fraction lost), 0 before any
    /// report. An adaptive Opus stream protects itself against the worst of its receivers (``ConferenceMixer``).
    public var reportedLossPercent = 0
    /// Whether what it hears is coded with in-band FEC against reported loss (adaptive Opus, ``reportedLossPercent``).
    public var receivesLossProtection: Bool { (ownStream ?? group.shared).protectedLossPercent != nil }
    /// A former speaker that still hears its own encoder, now fed the listeners' mix, until it can move to the shared
    /// stream without a seam (see ``ConferenceMixer``).
    var isHandingOver = false
    /// The encoder of what this participant hears while an announcement plays to it (it cannot share the listeners'
    /// encode); made at its first announcement and kept, so later ones allocate nothing.
    private(set) var announcementStream: EncodedStream?
    /// Whether this tick's output came from ``announcementStream``.
    var announcedThisTick = false
    /// The group it is sent from; a renegotiated maxptime moves it to another (``ConferenceMixer/setMaxPacketTime``).
    unowned var group: FormatGroup
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
        samplesPerClockUnit = max(1, Opus.sampleRate / format.clockRate)
        carry = .allocate(capacity: Playout.carryCapacity)
        carry.initialize(repeating: 0)
        pieces = .allocate(capacity: Playout.maxPiecesPerTick)
        pieces.initialize(repeating: .silence(duration: 0))
        mixMinus = .allocate(capacity: Opus.samplesPer20ms)
        mixMinus.initialize(repeating: 0)
        narrowband = .allocate(capacity: 960)
        narrowband.initialize(repeating: 0)
    }

    deinit {
        carry.deallocate()
        pieces.deallocate()
        mixMinus.deallocate()
        narrowband.deallocate()
    }

    /// The packet time this participant is sent, in ms: 20, or 10 when its peer's maxptime asked for less.
    public var packetMilliseconds: Int { 20 / group.packetsPerTick }

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
        if announcementStream == nil { announcementStream = try EncodedStream(format: format, packetsPerTick: group.packetsPerTick) }
        if !playsAnnouncement, let stream = announcementStream {
            // Continue the stream this participant is hearing, so its decoder hears no seam.
            stream.continueFrom(ownStream ?? group.shared)
        }
        self.announcement = announcement
    }

    /// An announcement encoder at `newGroup`'s packet time, continuing its stream, when this participant has one.
    func announcementStream(for newGroup: FormatGroup) throws -> EncodedStream? {
        guard announcementStream != nil else { return nil }
        let stream = try EncodedStream(format: format, packetsPerTick: newGroup.packetsPerTick)
        stream.continueFrom(newGroup.shared)
        return stream
    }

    /// Moves to `newGroup` (another packet time), with the announcement encoder made for it.
    func join(_ newGroup: FormatGroup, announcementStream stream: EncodedStream?) {
        if let stream { announcementStream = stream }
        group = newGroup
    }

    /// Stops what plays to this participant (its encoder is kept for the next announcement).
    public func stopAnnouncement() {
        announcement = nil
    }

    /// Hands the mixer one received RTP payload, of any packet time: its media time comes from the Opus TOC (RFC 6716
    /// §3.1) or the G.711 length. `audioLevel` is the RFC 6464 level (-dBov) when the packet carried one; `arrival` is a
    /// monotonic time in nanoseconds. Returns false when the packet was dropped (counted: an undecodable one in
    /// ``decodeErrors``, the others in the jitter buffer's counters). Never allocates.
    @discardableResult
    public func receive(
        payload: UnsafeRawBufferPointer, sequenceNumber: UInt16, timestamp: UInt32, audioLevel: UInt8? = nil,
        arrival: UInt64
    ) -> Bool {
        let duration: Int
        switch format {
        case .opus: duration = OpusDecoder.sampleCount(of: payload) ?? 0
        case .pcmu, .pcma: duration = payload.count
        }
        guard duration > 0 else {
            decodeErrors &+= 1
            return false
        }
        return jitterBuffer.insert(
            payload: payload, sequenceNumber: sequenceNumber, timestamp: timestamp, duration: duration,
            audioLevel: audioLevel, arrival: arrival)
    }
}
