/// One participant's adaptive jitter buffer: it turns packets arriving at irregular times, out of order,
/// duplicated or not at all, into exactly one frame per 20 ms tick.
///
/// Frames are indexed by RTP timestamp (so DTX pauses, where the sender sends nothing, do not look like loss);
/// the sequence number tells a DTX pause from a real loss. The playout delay adapts between the configured bounds:
/// it follows the interarrival jitter (RFC 3550 §A.8 estimator), grows by one frame whenever the buffer runs dry
/// during a talk spurt (stretch), and shrinks by dropping a frame — a quiet one when it can — when the buffer has held
/// more than its target for a sustained time. That also absorbs the clock drift between sender and mixer.
///
/// Storage is allocated once; `insert` and `pop` never allocate.
public final class JitterBuffer {
    /// A buffered packet, valid until the next `insert`.
    public struct Packet {
        /// The payload bytes.
        public let payload: UnsafeRawBufferPointer
        /// Its RTP sequence number.
        public let sequenceNumber: UInt16
        /// The RFC 6464 level it carried, as -dBov (0 loudest ... 127 silence), if any.
        public let audioLevel: UInt8?
    }

    /// What to play at one tick.
    public enum Frame {
        /// Nothing is due: before the stream starts, or the sender is in a pause it announced (DTX).
        case silence
        /// This packet is due.
        case packet(Packet)
        /// The frame due was lost; `next` is the following packet when it is already here (its FEC can rebuild this one).
        case lost(next: Packet?)
        /// The frame due has not arrived and nothing later has either, in the middle of a talk spurt: conceal and wait.
        case underrun
    }

    /// Settings.
    public let configuration: JitterBufferConfiguration
    /// RTP clock ticks per 20 ms frame (960 for Opus, 160 for G.711).
    public let samplesPerFrame: Int
    /// What happened so far.
    public private(set) var counters = JitterBufferCounters()

    private static let slotBytes = 1_280
    private let capacity: Int
    private let storage: UnsafeMutableRawPointer
    private var slotIndex: [Int64]
    private var slotLength: [Int]
    private var slotSequence: [UInt16]
    private var slotLevel: [UInt8]  // 0xFF = none

    private let minFrames: Int
    private let maxFrames: Int
    private let shrinkAfterTicks: Int

    private var started = false
    private var referenceTimestamp: UInt32 = 0
    private var referenceIndex: Int64 = 0
    private var nextPlay: Int64 = 0
    private var highestIndex: Int64 = 0
    private var buffered = 0
    private var lastPlayedSequence: UInt16?
    private var lastPlayedWasDTX = true
    private var stalledTicks = 0
    private var excessTicks = 0
    private var consecutiveLate = 0
    private var targetFrames: Int
    private var jitterFrames: Int
    private var underrunBoost = 0
    private var ticksSinceStretch = 0

    // RFC 3550 A.8 jitter estimate, in RTP clock units scaled by 16.
    private var lastTransit: Int64?
    private var jitterQ4: Int64 = 0

    /// Creates a buffer for a stream with `clockRate` Hz and 20 ms frames.
    public init(configuration: JitterBufferConfiguration, clockRate: Int) {
        self.configuration = configuration
        self.samplesPerFrame = max(1, clockRate / 50)
        let minFrames = max(1, (configuration.minDelayMilliseconds + 19) / 20)
        let maxFrames = max(minFrames, configuration.maxDelayMilliseconds / 20)
        self.minFrames = minFrames
        self.maxFrames = maxFrames
        self.shrinkAfterTicks = max(1, configuration.shrinkAfterMilliseconds / 20)
        var cap = 16
        while cap < maxFrames + 8 { cap <<= 1 }
        self.capacity = cap
        self.storage = UnsafeMutableRawPointer.allocate(byteCount: cap * Self.slotBytes, alignment: 16)
        self.slotIndex = Array(repeating: Int64.min, count: cap)
        self.slotLength = Array(repeating: 0, count: cap)
        self.slotSequence = Array(repeating: 0, count: cap)
        self.slotLevel = Array(repeating: 0xFF, count: cap)
        self.targetFrames = minFrames
        self.jitterFrames = minFrames
        counters.targetDelayMilliseconds = minFrames * 20
    }

    deinit { storage.deallocate() }

    /// Stores a received packet. `arrival` is the arrival time in nanoseconds on any monotonic clock.
    /// Returns false when the packet was dropped (late, duplicate, oversized); the reason is counted.
    @discardableResult
    public func insert(
        payload: UnsafeRawBufferPointer, sequenceNumber: UInt16, timestamp: UInt32, audioLevel: UInt8?,
        arrival: UInt64
    ) -> Bool {
        guard payload.count <= Self.slotBytes else {
            counters.oversized &+= 1
            return false
        }
        if !started { start(timestamp: timestamp) }
        let index = frameIndex(of: timestamp)
        updateJitter(timestamp: timestamp, arrival: arrival)

        if index < nextPlay {
            consecutiveLate &+= 1
            // A sender that restarted its timestamps lands here forever: start over after a short run of lates.
            if consecutiveLate < 8 && nextPlay &- index < Int64(capacity) * 4 {
                counters.late &+= 1
                return false
            }
            resynchronize(at: timestamp)
            return insertAfterResync(payload, sequenceNumber, timestamp, audioLevel)
        }
        consecutiveLate = 0
        if index >= nextPlay &+ Int64(capacity) {
            resynchronize(at: timestamp)
            return insertAfterResync(payload, sequenceNumber, timestamp, audioLevel)
        }
        if buffered == 0 && lastPlayedWasDTX && index &- nextPlay >= Int64(targetFrames) {
            // Back from a pause with an empty buffer: play this at the target delay instead of waiting for it.
            nextPlay = index &- Int64(targetFrames - 1)
        }
        return store(index: index, payload, sequenceNumber, audioLevel)
    }

    /// The frame to play at this tick. Call exactly once per 20 ms.
    public func pop() -> Frame {
        guard started else { return .silence }
        updateTarget()
        updateDelayCounters()
        shrinkIfNeeded()

        let slot = self.slot(of: nextPlay)
        if slotIndex[slot] == nextPlay {
            stalledTicks = 0
            let packet = takePacket(at: slot)
            nextPlay &+= 1
            return .packet(packet)
        }
        if buffered > 0 {
            // Something later is here: the due frame is either lost, or was never sent (DTX).
            stalledTicks = 0
            let nextSlot = self.slot(of: nextPlay &+ 1)
            let next: Packet? = slotIndex[nextSlot] == nextPlay &+ 1 ? packet(at: nextSlot) : nil
            let firstLater = firstBufferedSequence()
            nextPlay &+= 1
            if let last = lastPlayedSequence, let firstLater, firstLater &- last == 1 {
                counters.discontinuous &+= 1
                lastPlayedWasDTX = true
                return .silence
            }
            guard lastPlayedSequence != nil else { return .silence }
            counters.lost &+= 1
            return .lost(next: next)
        }
        // Nothing buffered at all.
        if lastPlayedWasDTX {
            nextPlay &+= 1
            return .silence
        }
        stalledTicks &+= 1
        if stalledTicks > maxFrames {
            // The sender stopped (hold, end of stream) without DTX: stop waiting.
            lastPlayedWasDTX = true
            nextPlay &+= 1
            return .silence
        }
        counters.stretched &+= 1
        ticksSinceStretch = 0
        if minFrames + underrunBoost < maxFrames { underrunBoost += 1 }
        return .underrun
    }

    /// Tells the buffer whether the frame it just played was speech. A quiet frame followed by nothing is a pause
    /// (DTX sends only a comfort-noise update every 400 ms), not an underrun, so playout goes on instead of waiting.
    public func notePlayedFrame(active: Bool) {
        lastPlayedWasDTX = !active
    }

    /// Records that the mixer concealed a frame (PLC) or rebuilt it from FEC.
    public func noteConcealment(fromFEC: Bool) {
        if fromFEC { counters.recoveredByFEC &+= 1 } else { counters.concealed &+= 1 }
    }

    /// The interarrival jitter estimate in RTP clock units (RFC 3550 §A.8).
    public var jitter: UInt32 { UInt32(truncatingIfNeeded: jitterQ4 >> 4) }

    // MARK: - Internals

    private func start(timestamp: UInt32) {
        started = true
        referenceTimestamp = timestamp
        referenceIndex = 0
        highestIndex = 0
        nextPlay = -Int64(targetFrames - 1)
        lastPlayedSequence = nil
        lastPlayedWasDTX = true
    }

    private func resynchronize(at timestamp: UInt32) {
        counters.resynchronized &+= 1
        for i in 0..<capacity { slotIndex[i] = Int64.min }
        buffered = 0
        consecutiveLate = 0
        stalledTicks = 0
        lastTransit = nil
        start(timestamp: timestamp)
    }

    private func insertAfterResync(_ payload: UnsafeRawBufferPointer, _ sequenceNumber: UInt16, _ timestamp: UInt32, _ level: UInt8?)
        -> Bool
    {
        store(index: frameIndex(of: timestamp), payload, sequenceNumber, level)
    }

    /// Frame index of a timestamp, unwrapped against the highest timestamp seen so far.
    private func frameIndex(of timestamp: UInt32) -> Int64 {
        let delta = Int64(Int32(bitPattern: timestamp &- referenceTimestamp))
        let half = Int64(samplesPerFrame / 2)
        let frames = (delta >= 0 ? delta + half : delta - half) / Int64(samplesPerFrame)
        let index = referenceIndex &+ frames
        if frames > 0 {
            referenceTimestamp = timestamp
            referenceIndex = index
        }
        return index
    }

    private func store(index: Int64, _ payload: UnsafeRawBufferPointer, _ sequenceNumber: UInt16, _ level: UInt8?)
        -> Bool
    {
        let slot = self.slot(of: index)
        if slotIndex[slot] == index {
            counters.duplicates &+= 1
            return false
        }
        if slotIndex[slot] != Int64.min && slotIndex[slot] >= nextPlay { buffered -= 1 }
        slotIndex[slot] = index
        slotLength[slot] = payload.count
        slotSequence[slot] = sequenceNumber
        slotLevel[slot] = level.map { min($0, 127) } ?? 0xFF
        if let base = payload.baseAddress, !payload.isEmpty {
            (storage + slot * Self.slotBytes).copyMemory(from: base, byteCount: payload.count)
        }
        buffered += 1
        if index > highestIndex { highestIndex = index }
        counters.accepted &+= 1
        return true
    }

    private func slot(of index: Int64) -> Int { Int(truncatingIfNeeded: index) & (capacity - 1) }

    private func packet(at slot: Int) -> Packet {
        let level: UInt8? = slotLevel[slot] == 0xFF ? nil : slotLevel[slot]
        return Packet(
            payload: UnsafeRawBufferPointer(start: storage + slot * Self.slotBytes, count: slotLength[slot]),
            sequenceNumber: slotSequence[slot], audioLevel: level)
    }

    private func takePacket(at slot: Int) -> Packet {
        let p = packet(at: slot)
        slotIndex[slot] = Int64.min
        buffered -= 1
        lastPlayedSequence = p.sequenceNumber
        // Opus DTX sends 1–2 byte frames before going quiet (RFC 7587 §3.1.3).
        lastPlayedWasDTX = p.payload.count <= 2
        return p
    }

    /// The sequence number of the earliest buffered packet after the due frame.
    private func firstBufferedSequence() -> UInt16? {
        var i = nextPlay &+ 1
        let end = nextPlay &+ Int64(capacity)
        while i < end {
            let s = slot(of: i)
            if slotIndex[s] == i { return slotSequence[s] }
            i &+= 1
        }
        return nil
    }

    private func updateJitter(timestamp: UInt32, arrival: UInt64) {
        // Transit time in RTP clock units; only differences matter, so wrap-around is harmless.
        let arrivalUnits = Int64(truncatingIfNeeded: (arrival / 1_000) &* UInt64(samplesPerFrame) / 20_000)
        let transit = arrivalUnits &- Int64(timestamp)
        if let last = lastTransit {
            var d = transit &- last
            if d < 0 { d = -d }
            // A jump of more than a few seconds is a stream change, not jitter.
            if d < Int64(samplesPerFrame) * 250 {
                jitterQ4 &+= d &- ((jitterQ4 &+ 8) >> 4)
            }
        }
        lastTransit = transit
        // Aim for one frame plus three times the jitter, within the configured bounds.
        let jitterMs = Int(jitterQ4 >> 4) * 20 / samplesPerFrame
        jitterFrames = min(maxFrames, max(minFrames, (20 + 3 * jitterMs + 19) / 20))
    }

    /// The target is the jitter-based delay or the delay underruns have shown to be needed, whichever is larger;
    /// the underrun part decays by a frame per `shrinkAfter` without an underrun.
    private func updateTarget() {
        ticksSinceStretch += 1
        if ticksSinceStretch >= shrinkAfterTicks && underrunBoost > 0 {
            underrunBoost -= 1
            ticksSinceStretch = 0
        }
        targetFrames = min(maxFrames, max(jitterFrames, minFrames + underrunBoost))
        counters.targetDelayMilliseconds = targetFrames * 20
    }

    private func updateDelayCounters() {
        let delay = buffered > 0 ? Int(highestIndex &- nextPlay &+ 1) : 0
        counters.currentDelayMilliseconds = max(0, delay) * 20
    }

    private func shrinkIfNeeded() {
        let delay = buffered > 0 ? Int(highestIndex &- nextPlay &+ 1) : 0
        guard delay > targetFrames else {
            excessTicks = 0
            return
        }
        excessTicks += 1
        guard excessTicks >= shrinkAfterTicks else { return }
        let slot = self.slot(of: nextPlay)
        let present = slotIndex[slot] == nextPlay
        let quiet = !present || slotLength[slot] <= 2 || (slotLevel[slot] != 0xFF && slotLevel[slot] >= 50)
        guard quiet || excessTicks >= 2 * shrinkAfterTicks else { return }
        if present {
            lastPlayedSequence = slotSequence[slot]
            slotIndex[slot] = Int64.min
            buffered -= 1
        }
        nextPlay &+= 1
        counters.shrunk &+= 1
        excessTicks = 0
    }
}
