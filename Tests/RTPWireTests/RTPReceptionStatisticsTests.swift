import RTPWire
import Testing

@Suite("RTP reception statistics (RFC 3550 A.1, A.3, A.8)")
struct RTPReceptionStatisticsTests {
    /// Feeds `sequences` with timestamps and arrivals 160 apart (no jitter); returns the validity of each.
    func feed(_ statistics: inout RTPReceptionStatistics, _ sequences: [UInt16]) -> [Bool] {
        sequences.map { sequence in
            statistics.received(sequenceNumber: sequence, timestamp: UInt32(sequence) * 160, arrival: UInt32(sequence) * 160)
        }
    }

    @Test("A.1: a new source is on probation until MIN_SEQUENTIAL (2) sequential packets")
    func probation() {
        var statistics = RTPReceptionStatistics(clockRate: 8000)
        #expect(feed(&statistics, [100, 101, 102]) == [false, true, true])
        #expect(statistics.packetsReceived == 2)
        #expect(statistics.packetsExpected == 2)
        #expect(statistics.extendedHighestSequence == 102)
        #expect(statistics.cumulativeLost == 0)
    }

    @Test("A.1: a non-sequential packet restarts probation")
    func probationRestarts() {
        var statistics = RTPReceptionStatistics(clockRate: 8000)
        #expect(feed(&statistics, [100, 200, 201, 202]) == [false, false, true, true])
        #expect(statistics.packetsExpected == 2)
    }

    @Test("A.1: wrapping past 65535 adds a cycle to the extended highest sequence")
    func wrapCountsCycle() {
        var statistics = RTPReceptionStatistics(clockRate: 8000)
        #expect(feed(&statistics, [65533, 65534, 65535, 0, 1]) == [false, true, true, true, true])
        #expect(statistics.extendedHighestSequence == 65536 + 1)
        #expect(statistics.packetsExpected == 4)
        #expect(statistics.cumulativeLost == 0)
    }

    @Test("A.1: probation also completes across the wrap")
    func probationAcrossWrap() {
        var statistics = RTPReceptionStatistics(clockRate: 8000)
        #expect(feed(&statistics, [65535, 0, 1]) == [false, true, true])
        #expect(statistics.extendedHighestSequence == 1)
    }

    @Test("A.1: a gap below MAX_DROPOUT is valid and counts as loss (A.3)")
    func gapIsLoss() {
        var statistics = RTPReceptionStatistics(clockRate: 8000)
        _ = feed(&statistics, [10, 11, 12, 20])
        #expect(statistics.packetsExpected == 10)
        #expect(statistics.packetsReceived == 3)
        #expect(statistics.cumulativeLost == 7)
    }

    @Test("A.1: a jump of MAX_DROPOUT or more is invalid until the next packet follows it (resync)")
    func bigJumpResyncs() {
        var statistics = RTPReceptionStatistics(clockRate: 8000)
        _ = feed(&statistics, [10, 11])
        #expect(feed(&statistics, [11 + 3000]) == [false])
        #expect(feed(&statistics, [11 + 3001]) == [true])
        #expect(statistics.extendedHighestSequence == 3012)
        #expect(statistics.packetsReceived == 1)
        #expect(statistics.packetsExpected == 1)
    }

    @Test("A.1: duplicates and packets up to MAX_MISORDER late are valid; loss can go negative")
    func duplicatesMakeLossNegative() {
        var statistics = RTPReceptionStatistics(clockRate: 8000)
        #expect(feed(&statistics, [1, 2, 3, 3, 2]) == [false, true, true, true, true])
        #expect(statistics.extendedHighestSequence == 3)
        #expect(statistics.cumulativeLost == -2)
        let block = statistics.makeReportBlock(ssrc: 9, lastSR: 0, delaySinceLastSR: 0)
        #expect(block.cumulativeLost == -2)
        #expect(block.fractionLost == 0)
    }

    @Test("A.3: fraction lost is lost/expected in the interval since the last report, times 256")
    func fractionLost() {
        var statistics = RTPReceptionStatistics(clockRate: 8000)
        _ = feed(&statistics, [0, 1, 2, 3])
        let first = statistics.makeReportBlock(ssrc: 7, lastSR: 0x1234, delaySinceLastSR: 99)
        #expect(first.fractionLost == 0)
        #expect(first.ssrc == 7 && first.lastSR == 0x1234 && first.delaySinceLastSR == 99)
        _ = feed(&statistics, [5, 7])  // expected 4 (4...7), received 2
        let second = statistics.makeReportBlock(ssrc: 7, lastSR: 0, delaySinceLastSR: 0)
        #expect(second.fractionLost == 128)
        #expect(second.cumulativeLost == 2)
        #expect(second.extendedHighestSequence == 7)
        #expect(statistics.makeReportBlock(ssrc: 7, lastSR: 0, delaySinceLastSR: 0).fractionLost == 0)
    }

    @Test("A.8: constant transit time gives zero jitter")
    func noJitter() {
        var statistics = RTPReceptionStatistics(clockRate: 48000)
        for sequence: UInt16 in 0..<50 {
            _ = statistics.received(sequenceNumber: sequence, timestamp: UInt32(sequence) * 960, arrival: 5000 + UInt32(sequence) * 960)
        }
        #expect(statistics.jitter == 0)
    }

    @Test("A.8: J += (|D| - J) / 16 converges on a constant transit difference")
    func jitterConverges() {
        var statistics = RTPReceptionStatistics(clockRate: 8000)
        // Arrivals alternate 0 and +32 units late: |D| = 32 on every packet after the first.
        for sequence: UInt16 in 0..<400 {
            let late: UInt32 = sequence % 2 == 0 ? 0 : 32
            _ = statistics.received(sequenceNumber: sequence, timestamp: UInt32(sequence) * 160, arrival: UInt32(sequence) * 160 + late)
        }
        #expect((30...32).contains(statistics.jitter))
    }

    @Test("A.8: the first jitter step is |D|/16")
    func jitterFirstStep() {
        var statistics = RTPReceptionStatistics(clockRate: 8000)
        _ = statistics.received(sequenceNumber: 1, timestamp: 0, arrival: 0)
        _ = statistics.received(sequenceNumber: 2, timestamp: 160, arrival: 160)
        _ = statistics.received(sequenceNumber: 3, timestamp: 320, arrival: 320 + 160)
        #expect(statistics.jitter == 10)
    }
}
