// RFC 3550 Appendix A.1 (RTP header validity: sequence number maintenance with probation),
// A.3 (determining the number of packets expected and lost) and A.8 (interarrival jitter).
//
// The per-source state of A.1, kept field for field:
//   max_seq, cycles, base_seq, bad_seq, probation, received, expected_prior, received_prior,
//   transit, jitter
// with MAX_DROPOUT = 3000, MAX_MISORDER = 100, MIN_SEQUENTIAL = 2.

/// RFC 3550 Appendix A.1 (sequence validation/extension with probation, MAX_DROPOUT 3000, MAX_MISORDER 100)
/// and A.8 (interarrival jitter), plus the loss counts for report blocks (A.3).
///
/// One value per received SSRC; feed it every packet with `received(sequenceNumber:timestamp:arrival:)`.
public struct RTPReceptionStatistics: Sendable {
    /// A.1: a gap of this many packets or more is not "in order".
    public static let maxDropout: UInt16 = 3000
    /// A.1: a step back of this many packets or fewer is a duplicate or reordered packet.
    public static let maxMisorder: UInt16 = 100
    /// A.1: sequential packets needed before a new source is valid.
    public static let minSequential: UInt32 = 2

    private static let sequenceModulus: UInt32 = 1 << 16

    /// The RTP clock rate of the stream (Hz), for callers converting `jitter` to time.
    public let clockRate: Int

    private var started = false
    private var maxSequence: UInt16 = 0
    private var cycles: UInt32 = 0
    private var baseSequence: UInt32 = 0
    private var badSequence: UInt32 = 0
    private var probation: UInt32 = 0
    private var receivedCount: UInt64 = 0
    private var expectedPrior: UInt64 = 0
    private var receivedPrior: UInt64 = 0
    private var hasTransit = false
    private var transit: UInt32 = 0
    // A.8's integer form: the estimate scaled by 16.
    private var scaledJitter: UInt32 = 0

    /// Statistics for a stream with the given RTP clock rate.
    public init(clockRate: Int) {
        self.clockRate = clockRate
    }

    /// Feeds one received packet; `arrival` is the arrival time in the stream's clock units (caller converts).
    /// Returns false when A.1 says the packet is not valid (bad sequence / still on probation).
    public mutating func received(sequenceNumber: UInt16, timestamp: UInt32, arrival: UInt32) -> Bool {
        guard updateSequence(sequenceNumber) else { return false }
        updateJitter(timestamp: timestamp, arrival: arrival)
        return true
    }

    /// The highest sequence number received, extended with the count of wraps in the high 16 bits (A.1).
    public var extendedHighestSequence: UInt32 {
        cycles &+ UInt32(maxSequence)
    }

    /// Valid packets received, duplicates included (A.1 `received`).
    public var packetsReceived: UInt64 {
        receivedCount
    }

    /// Packets expected since the source became valid: extended highest - base + 1 (A.3).
    public var packetsExpected: UInt64 {
        guard started, probation == 0 else { return 0 }
        let extendedMax = UInt64(cycles) + UInt64(maxSequence)
        let base = UInt64(baseSequence)
        return extendedMax >= base ? extendedMax - base + 1 : 0
    }

    /// Expected minus received (A.3); can be negative with duplicates, per RFC.
    public var cumulativeLost: Int64 {
        Int64(truncatingIfNeeded: packetsExpected) &- Int64(truncatingIfNeeded: receivedCount)
    }

    /// The interarrival jitter estimate in clock units (A.8).
    public var jitter: UInt32 {
        scaledJitter >> 4
    }

    /// Fraction lost since the previous call, as the 8-bit RFC 3550 value; updates the interval state (A.3).
    ///
    /// The returned block's `cumulativeLost` is clamped to the 24-bit signed range.
    public mutating func makeReportBlock(ssrc: UInt32, lastSR: UInt32, delaySinceLastSR: UInt32) -> RTCPReportBlock {
        let expected = packetsExpected
        let expectedInterval = Int64(truncatingIfNeeded: expected &- expectedPrior)
        let receivedInterval = Int64(truncatingIfNeeded: receivedCount &- receivedPrior)
        expectedPrior = expected
        receivedPrior = receivedCount
        let lostInterval = expectedInterval &- receivedInterval
        var fraction: UInt8 = 0
        if expectedInterval > 0, lostInterval > 0 {
            fraction = UInt8(truncatingIfNeeded: min((lostInterval << 8) / expectedInterval, 255))
        }
        return RTCPReportBlock(
            ssrc: ssrc,
            fractionLost: fraction,
            cumulativeLost: RTCPReportBlock.clampCumulativeLost(cumulativeLost),
            extendedHighestSequence: extendedHighestSequence,
            jitter: jitter,
            lastSR: lastSR,
            delaySinceLastSR: delaySinceLastSR
        )
    }

    // A.1 init_seq.
    private mutating func initSequence(_ sequence: UInt16) {
        baseSequence = UInt32(sequence)
        maxSequence = sequence
        badSequence = Self.sequenceModulus + 1
        cycles = 0
        receivedCount = 0
        receivedPrior = 0
        expectedPrior = 0
    }

    // A.1 update_seq; the first packet starts probation as A.1's prose says.
    private mutating func updateSequence(_ sequence: UInt16) -> Bool {
        guard started else {
            started = true
            initSequence(sequence)
            maxSequence = sequence &- 1
            probation = Self.minSequential
            return updateSequence(sequence)
        }
        let delta = sequence &- maxSequence
        if probation > 0 {
            if sequence == maxSequence &+ 1 {
                probation -= 1
                maxSequence = sequence
                if probation == 0 {
                    initSequence(sequence)
                    receivedCount += 1
                    return true
                }
            } else {
                probation = Self.minSequential - 1
                maxSequence = sequence
            }
            return false
        } else if delta < Self.maxDropout {
            if sequence < maxSequence {
                cycles &+= Self.sequenceModulus
            }
            maxSequence = sequence
        } else if UInt32(delta) <= Self.sequenceModulus - UInt32(Self.maxMisorder) {
            if UInt32(sequence) == badSequence {
                // Two sequential packets after a big jump: the sender restarted; resynchronise.
                initSequence(sequence)
                hasTransit = false
            } else {
                badSequence = (UInt32(sequence) + 1) & (Self.sequenceModulus - 1)
                return false
            }
        }
        // else: duplicate or reordered packet, counted as received.
        receivedCount += 1
        return true
    }

    // A.8, integer form: J += |D| - ((J + 8) >> 4), with J scaled by 16.
    private mutating func updateJitter(timestamp: UInt32, arrival: UInt32) {
        let newTransit = arrival &- timestamp
        defer {
            transit = newTransit
            hasTransit = true
        }
        guard hasTransit else { return }
        let difference = Int32(bitPattern: newTransit &- transit)
        let magnitude = difference.magnitude
        scaledJitter = scaledJitter &+ magnitude &- ((scaledJitter &+ 8) >> 4)
    }
}
