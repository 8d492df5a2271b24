/// One participant's adaptive jitter buffer: it turns packets arriving at irregular times, out of order, duplicated or
/// not at all, into a continuous stream of media that the mixer takes 20 ms per tick.
///
/// Packets are kept by sequence number (a second copy is a duplicate whatever it carries) and played by media time: a
/// packet covers `duration` RTP clock units from its timestamp, whatever its packet time (Opus 2.5–120 ms from its TOC,
/// G.711 one unit per byte). The caller takes what is due with ``pop(maxDuration:)`` until it has its 20 ms: a packet
/// comes whole (the caller decodes it once and keeps what is beyond the tick for the next ones), so 10 ms packets come
/// two per tick and a 60 ms packet once every three ticks. A gap between packets comes as silence when the sequence
/// numbers are consecutive (the sender paused on purpose: DTX, RFC 7587 §3.1.3), as a loss covering the whole missing
/// time when they are not (so concealment or FEC rebuilds 40 ms for a lost 40 ms packet), and as an underrun when
/// nothing later is here yet in a talk spurt (conceal and wait: the delay stretches).
///
/// The playout delay adapts between the configured bounds: it follows the interarrival jitter (RFC 3550 §A.8
/// estimator), grows whenever the buffer runs dry during a talk spurt (stretch), and shrinks by dropping a packet — a
/// quiet one when it can — when the buffer has held more than its target for a sustained time. That also absorbs the
/// clock drift between sender and mixer.
///
/// Storage is allocated once; `insert`, `beginTick` and `pop` never allocate. Sequence numbers and timestamps are
/// unwrapped with wrapping arithmetic, so no value a sender puts on the wire can trap.
public final class JitterBuffer {
    /// A buffered packet, valid until the next `insert`.
    public struct Packet {
        /// The payload bytes.
        public let payload: UnsafeRawBufferPointer
        /// Its RTP sequence number.
        public let sequenceNumber: UInt16
        /// The RFC 6464 level it carried, as -dBov (0 loudest ... 127 silence), if any.
        public let audioLevel: UInt8?
        /// The media time it covers, in RTP clock units.
        public let duration: Int
    }

    /// What plays next, from the current playout position.
    public enum Frame {
        /// Nothing to play for `duration` clock units: before the stream starts, or the sender is in a pause it
        /// announced (DTX).
        case silence(duration: Int)
        /// This packet is due; it covers `packet.duration`.
        case packet(Packet)
        /// Media of `duration` clock units is missing while later packets are here; `next` is the packet that follows
        /// the gap when the gap is covered whole (its FEC can rebuild the end of what was lost).
        case lost(duration: Int, next: Packet?)
        /// Nothing is here yet in the middle of a talk spurt: conceal `duration` and wait (the position stays).
        case underrun(duration: Int)

        /// The media time this covers, in RTP clock units.
        public var duration: Int {
            switch self {
            case .silence(let d), .lost(let d, _), .underrun(let d): d
            case .packet(let p): p.duration
            }
        }
    }

    /// Settings.
    public let configuration: JitterBufferConfiguration
    /// RTP clock ticks per 20 ms tick (960 for Opus, 160 for G.711).
    public let samplesPerFrame: Int
    /// The longest packet accepted, in clock units: 120 ms, the longest Opus packet (RFC 6716 §3.2.5).
    public let maxPacketDuration: Int
    /// What happened so far.
    public internal(set) var counters = JitterBufferCounters()

    static let slotBytes = 1_280
    let capacity: Int
    let storage: UnsafeMutableRawPointer
    /// Per slot: the extended sequence number of the packet in it (`empty` when none), its start in media time, its
    /// duration, its payload length and its level (0xFF = none).
    var slotSequence: [Int64]
    var slotStart: [Int64]
    var slotDuration: [Int]
    var slotLength: [Int]
    var slotLevel: [UInt8]
    static let empty = Int64.min

    let minFrames: Int
    let maxFrames: Int
    let shrinkAfterTicks: Int
    /// Timestamps this close to the playout position count as on time (2.5 ms): senders round.
    let tolerance: Int64

    var started = false
    var referenceSequence: UInt16 = 0
    var referenceExtended: Int64 = 0
    var referenceTimestamp: UInt32 = 0
    var referenceTime: Int64 = 0
    /// The playout position in media time: where the next piece handed out starts.
    var cursor: Int64 = 0
    /// The extended sequence number of the next packet to play.
    var nextSequence: Int64 = 0
    var highestEnd: Int64 = 0
    var buffered = 0
    /// Whether a packet has been played since the (re)start.
    var playing = false
    var lastPlayedWasDTX = true
    var stalledTicks = 0
    var excessTicks = 0
    var consecutiveLate = 0
    var targetFrames: Int
    var jitterFrames: Int
    var underrunBoost = 0
    var ticksSinceStretch = 0

    // RFC 3550 A.8 jitter estimate, in RTP clock units scaled by 16.
    var lastTransit: Int64?
    var jitterQ4: Int64 = 0

    /// Creates a buffer for a stream with `clockRate` Hz.
    public init(configuration: JitterBufferConfiguration, clockRate: Int) {
        self.configuration = configuration
        self.samplesPerFrame = max(1, clockRate / 50)
        self.maxPacketDuration = max(1, clockRate * 120 / 1_000)
        self.tolerance = Int64(max(0, clockRate / 400))
        let minFrames = max(1, (configuration.minDelayMilliseconds + 19) / 20)
        let maxFrames = max(minFrames, configuration.maxDelayMilliseconds / 20)
        self.minFrames = minFrames
        self.maxFrames = maxFrames
        self.shrinkAfterTicks = max(1, configuration.shrinkAfterMilliseconds / 20)
        // Room for the longest delay in 10 ms packets, and some.
        var cap = 16
        while cap < configuration.maxDelayMilliseconds / 10 + 8 { cap <<= 1 }
        self.capacity = cap
        self.storage = UnsafeMutableRawPointer.allocate(byteCount: cap * Self.slotBytes, alignment: 16)
        self.slotSequence = Array(repeating: Self.empty, count: cap)
        self.slotStart = Array(repeating: 0, count: cap)
        self.slotDuration = Array(repeating: 0, count: cap)
        self.slotLength = Array(repeating: 0, count: cap)
        self.slotLevel = Array(repeating: 0xFF, count: cap)
        self.targetFrames = minFrames
        self.jitterFrames = minFrames
        counters.targetDelayMilliseconds = minFrames * 20
    }

    deinit { storage.deallocate() }

    /// Stores a received packet covering `duration` RTP clock units from `timestamp`. `arrival` is the arrival time in
    /// nanoseconds on any monotonic clock. Returns false when the packet was dropped (late, duplicate, oversized, no or
    /// too much media time); the reason is counted.
    @discardableResult
    public func insert(
        payload: UnsafeRawBufferPointer, sequenceNumber: UInt16, timestamp: UInt32, duration: Int, audioLevel: UInt8?,
        arrival: UInt64
    ) -> Bool {
        guard payload.count <= Self.slotBytes else {
            counters.oversized &+= 1
            return false
        }
        guard duration > 0, duration <= maxPacketDuration else {
            counters.invalidDuration &+= 1
            return false
        }
        if !started { start(sequenceNumber: sequenceNumber, timestamp: timestamp) }
        let sequence = extendedSequence(sequenceNumber)
        let start = mediaTime(timestamp)
        updateJitter(timestamp: timestamp, arrival: arrival)
        let horizon = Int64(capacity) &* Int64(samplesPerFrame)

        if sequence >= nextSequence &+ Int64(capacity) || start >= cursor &+ horizon {
            // Far ahead: a sender that restarted, or a pause longer than the buffer can span.
            return restart(at: sequenceNumber, timestamp, payload, duration, audioLevel)
        }
        if !playing && sequence < nextSequence && nextSequence &- sequence < Int64(capacity) {
            // Reordered before playout began: it starts playout instead, at once if need be.
            nextSequence = sequence
            cursor = min(cursor, start)
        }
        if sequence < nextSequence {
            return late(behind: nextSequence &- sequence >= Int64(capacity) &* 4, sequenceNumber, timestamp, payload, duration, audioLevel)
        }
        let end = start &+ Int64(duration)
        if end <= cursor {
            if buffered == 0 && lastPlayedWasDTX {
                // Back from a pause that playout ran past: play this at the target delay.
                cursor = start &- lead
            } else {
                return late(behind: cursor &- start >= horizon &* 4, sequenceNumber, timestamp, payload, duration, audioLevel)
            }
        }
        consecutiveLate = 0
        if buffered == 0 && lastPlayedWasDTX && start &- cursor >= Int64(targetFrames) &* Int64(samplesPerFrame) {
            // Back from a pause with an empty buffer: play this at the target delay instead of waiting for it.
            cursor = start &- lead
        }
        return store(sequence: sequence, start: start, duration: duration, payload, audioLevel)
    }

    /// Adapts the playout delay. Call exactly once per 20 ms tick, before that tick's ``pop(maxDuration:)`` calls.
    public func beginTick() {
        guard started else { return }
        updateTarget()
        updateDelayCounters()
        shrinkIfNeeded()
    }

    /// What plays next from the playout position, and moves it on. A packet comes whole, whatever `maxDuration`;
    /// silence and underruns cover at most `maxDuration` clock units; a loss covers the whole gap up to the next packet
    /// when that is at most ``maxPacketDuration``, else `maxDuration`. Call until the tick's 20 ms are covered.
    public func pop(maxDuration: Int) -> Frame {
        let want = max(1, maxDuration)
        guard started else { return .silence(duration: want) }
        // Each pass either returns or drops one stale packet: bounded by the capacity.
        for _ in 0..<capacity {
            let slot = self.slot(of: nextSequence)
            if slotSequence[slot] == nextSequence {
                let start = slotStart[slot]
                let gap = start &- cursor
                if gap > tolerance {
                    // Consecutive sequence numbers and a timestamp gap: a pause the sender announced (or playout has
                    // not reached the first packet yet).
                    let d = Int(min(gap, Int64(want)))
                    cursor &+= Int64(d)
                    stalledTicks = 0
                    if playing {
                        counters.discontinuous &+= 1
                        lastPlayedWasDTX = true
                    }
                    return .silence(duration: d)
                }
                let end = start &+ Int64(slotDuration[slot])
                if end <= cursor {
                    // Wholly in the past (playout skipped ahead): never played.
                    discard(slot)
                    counters.late &+= 1
                    continue
                }
                stalledTicks = 0
                cursor = end
                return .packet(take(slot))
            }
            if buffered > 0, let later = firstBufferedSlot() {
                let start = slotStart[later]
                let missing = slotSequence[later] &- nextSequence
                let gap = start &- cursor
                if gap <= tolerance {
                    // Sequence numbers missing, but no media time: nothing to conceal.
                    if playing { counters.lost &+= UInt64(truncatingIfNeeded: missing) }
                    nextSequence = slotSequence[later]
                    continue
                }
                stalledTicks = 0
                guard playing else {
                    // The first packets never came: playout starts at the first that did.
                    let d = Int(min(gap, Int64(want)))
                    cursor &+= Int64(d)
                    return .silence(duration: d)
                }
                guard gap <= Int64(maxPacketDuration) else {
                    cursor &+= Int64(want)
                    return .lost(duration: want, next: nil)
                }
                cursor = start
                counters.lost &+= UInt64(truncatingIfNeeded: missing)
                nextSequence = slotSequence[later]
                return .lost(duration: Int(gap), next: packet(at: later))
            }
            // Nothing buffered at all.
            if lastPlayedWasDTX {
                cursor &+= Int64(want)
                return .silence(duration: want)
            }
            stalledTicks &+= 1
            if stalledTicks > maxFrames {
                // The sender stopped (hold, end of stream) without DTX: stop waiting.
                lastPlayedWasDTX = true
                cursor &+= Int64(want)
                return .silence(duration: want)
            }
            counters.stretched &+= 1
            ticksSinceStretch = 0
            if minFrames + underrunBoost < maxFrames { underrunBoost += 1 }
            return .underrun(duration: want)
        }
        cursor &+= Int64(want)
        return .silence(duration: want)
    }

    /// Tells the buffer whether what it just played was speech. A quiet frame followed by nothing is a pause (DTX sends
    /// only a comfort-noise update every 400 ms), not an underrun, so playout goes on instead of waiting.
    public func notePlayedFrame(active: Bool) {
        lastPlayedWasDTX = !active
    }

    /// Records that the mixer concealed `duration` clock units (PLC), or rebuilt them with the help of FEC, counted in
    /// 20 ms frames. With FEC, the last frame is the rebuilt one and any before it are concealed.
    public func noteConcealment(fromFEC: Bool, duration: Int) {
        let frames = UInt64(max(1, (duration + samplesPerFrame - 1) / samplesPerFrame))
        if fromFEC {
            counters.recoveredByFEC &+= 1
            counters.concealed &+= frames &- 1
        } else {
            counters.concealed &+= frames
        }
    }

    /// The interarrival jitter estimate in RTP clock units (RFC 3550 §A.8).
    public var jitter: UInt32 { UInt32(truncatingIfNeeded: jitterQ4 >> 4) }

    // MARK: - Internals

    /// How far before a packet's start playout sits when it is placed at the target delay (the packet plays after
    /// `targetFrames - 1` ticks).
    var lead: Int64 { Int64(targetFrames - 1) &* Int64(samplesPerFrame) }

    func start(sequenceNumber: UInt16, timestamp: UInt32) {
        started = true
        referenceSequence = sequenceNumber
        referenceExtended = 0
        referenceTimestamp = timestamp
        referenceTime = 0
        nextSequence = 0
        cursor = -lead
        highestEnd = cursor
        playing = false
        lastPlayedWasDTX = true
    }

    private func restart(
        at sequenceNumber: UInt16, _ timestamp: UInt32, _ payload: UnsafeRawBufferPointer, _ duration: Int, _ level: UInt8?
    ) -> Bool {
        counters.resynchronized &+= 1
        for i in 0..<capacity { slotSequence[i] = Self.empty }
        buffered = 0
        consecutiveLate = 0
        stalledTicks = 0
        lastTransit = nil
        start(sequenceNumber: sequenceNumber, timestamp: timestamp)
        return store(sequence: 0, start: 0, duration: duration, payload, level)
    }

    /// A packet behind playout: dropped and counted, unless a run of them (or one far behind) shows the sender started over.
    private func late(
        behind farBehind: Bool, _ sequenceNumber: UInt16, _ timestamp: UInt32, _ payload: UnsafeRawBufferPointer, _ duration: Int,
        _ level: UInt8?
    ) -> Bool {
        consecutiveLate &+= 1
        if consecutiveLate < 8 && !farBehind {
            counters.late &+= 1
            return false
        }
        return restart(at: sequenceNumber, timestamp, payload, duration, level)
    }

    /// The sequence number unwrapped against the highest seen so far.
    private func extendedSequence(_ sequenceNumber: UInt16) -> Int64 {
        let delta = Int64(Int16(bitPattern: sequenceNumber &- referenceSequence))
        let extended = referenceExtended &+ delta
        if delta > 0 {
            referenceSequence = sequenceNumber
            referenceExtended = extended
        }
        return extended
    }

    /// The timestamp unwrapped against the highest seen so far, in clock units from the first packet.
    private func mediaTime(_ timestamp: UInt32) -> Int64 {
        let delta = Int64(Int32(bitPattern: timestamp &- referenceTimestamp))
        let time = referenceTime &+ delta
        if delta > 0 {
            referenceTimestamp = timestamp
            referenceTime = time
        }
        return time
    }

    private func store(
        sequence: Int64, start: Int64, duration: Int, _ payload: UnsafeRawBufferPointer, _ level: UInt8?
    ) -> Bool {
        let slot = self.slot(of: sequence)
        if slotSequence[slot] == sequence {
            counters.duplicates &+= 1
            return false
        }
        if slotSequence[slot] != Self.empty && slotSequence[slot] >= nextSequence { buffered -= 1 }
        slotSequence[slot] = sequence
        slotStart[slot] = start
        slotDuration[slot] = duration
        slotLength[slot] = payload.count
        slotLevel[slot] = level.map { min($0, 127) } ?? 0xFF
        if let base = payload.baseAddress, !payload.isEmpty {
            (storage + slot * Self.slotBytes).copyMemory(from: base, byteCount: payload.count)
        }
        buffered += 1
        let end = start &+ Int64(duration)
        if end > highestEnd { highestEnd = end }
        counters.accepted &+= 1
        return true
    }

    func slot(of sequence: Int64) -> Int { Int(truncatingIfNeeded: sequence) & (capacity - 1) }

    private func packet(at slot: Int) -> Packet {
        let level: UInt8? = slotLevel[slot] == 0xFF ? nil : slotLevel[slot]
        // The wire sequence number is the extended one, folded back to 16 bits.
        let wire = referenceSequence &+ UInt16(truncatingIfNeeded: slotSequence[slot] &- referenceExtended)
        return Packet(
            payload: UnsafeRawBufferPointer(start: storage + slot * Self.slotBytes, count: slotLength[slot]),
            sequenceNumber: wire, audioLevel: level, duration: slotDuration[slot])
    }

    private func take(_ slot: Int) -> Packet {
        let p = packet(at: slot)
        discard(slot)
        playing = true
        // Opus DTX sends 1–2 byte frames before going quiet (RFC 7587 §3.1.3).
        lastPlayedWasDTX = p.payload.count <= 2
        return p
    }

    /// Empties the slot of the next packet and moves on to the one after it.
    func discard(_ slot: Int) {
        slotSequence[slot] = Self.empty
        buffered -= 1
        nextSequence &+= 1
    }

    /// The slot of the earliest buffered packet after the next one.
    func firstBufferedSlot() -> Int? {
        var sequence = nextSequence &+ 1
        let end = nextSequence &+ Int64(capacity)
        while sequence < end {
            let s = slot(of: sequence)
            if slotSequence[s] == sequence { return s }
            sequence &+= 1
        }
        return nil
    }
}
