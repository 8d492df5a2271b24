/// How the playout delay follows the network: the RFC 3550 jitter estimate, the delay underruns have shown to be
/// needed, and the slow shrink when the buffer holds more than its target.
extension JitterBuffer {
    func updateJitter(timestamp: UInt32, arrival: UInt64) {
        // Transit time in RTP clock units; only differences matter, so wrap-around is harmless.
        let arrivalUnits = Int64(truncatingIfNeeded: (arrival / 1_000) &* UInt64(samplesPerFrame) / 20_000)
        let transit = arrivalUnits &- Int64(timestamp)
        if let last = lastTransit {
            var d = transit &- last
            if d < 0 { d = 0 &- d }
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
    func updateTarget() {
        ticksSinceStretch += 1
        if ticksSinceStretch >= shrinkAfterTicks && underrunBoost > 0 {
            underrunBoost -= 1
            ticksSinceStretch = 0
        }
        targetFrames = min(maxFrames, max(jitterFrames, minFrames + underrunBoost))
        counters.targetDelayMilliseconds = targetFrames * 20
    }

    /// Media time buffered ahead of the playout position, in clock units.
    var bufferedDelay: Int64 { buffered > 0 ? max(0, highestEnd &- cursor) : 0 }

    func updateDelayCounters() {
        counters.currentDelayMilliseconds = Int(truncatingIfNeeded: bufferedDelay &* 20 / Int64(samplesPerFrame))
    }

    /// After the buffer has held more than its target for `shrinkAfter`, drops what is due — a quiet packet, or any after
    /// twice as long, and only when the delay stays at or above the target without it — or skips 20 ms of a gap.
    func shrinkIfNeeded() {
        let delay = bufferedDelay
        let target = Int64(targetFrames) &* Int64(samplesPerFrame)
        guard delay > target else {
            excessTicks = 0
            return
        }
        excessTicks += 1
        guard excessTicks >= shrinkAfterTicks else { return }
        let slot = self.slot(of: nextSequence)
        if slotSequence[slot] == nextSequence && slotStart[slot] &- cursor <= tolerance {
            let quiet = slotLength[slot] <= 2 || (slotLevel[slot] != 0xFF && slotLevel[slot] >= 50)
            guard quiet || excessTicks >= 2 * shrinkAfterTicks else { return }
            guard delay &- Int64(slotDuration[slot]) >= target else { return }
            cursor = max(cursor, slotStart[slot] &+ Int64(slotDuration[slot]))
            discard(slot)
            playing = true
        } else {
            // A pause or a gap is due: shorten it by up to one frame.
            let next = slotSequence[slot] == nextSequence ? slot : firstBufferedSlot()
            guard let next else { return }
            cursor &+= min(Int64(samplesPerFrame), max(0, slotStart[next] &- cursor))
        }
        counters.shrunk &+= 1
        excessTicks = 0
    }
}
