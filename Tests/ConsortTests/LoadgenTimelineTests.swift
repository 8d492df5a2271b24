@testable import LoadGenerator
import Testing

/// The load generator's bookkeeping without sockets: where RTP goes as one atomic word, and the receive timeline that
/// turns arrivals into outages and re-INVITE → media times.
@Suite("loadgen: destination word and receive timeline")
struct LoadgenTimelineTests {
    @Test("a destination packs address, port and payload type into one word and back; zero means none")
    func destinationRoundTrip() {
        let d = MediaDestination(address: 0x0300_007F, port: 40_002, payloadType: 111)
        #expect(d.packed != 0)
        #expect(MediaDestination(packed: d.packed) == d)
        let low = MediaDestination(address: 0, port: 0, payloadType: 0)
        #expect(low.packed != 0, "even 0.0.0.0:0 PT 0 is a destination, not 'none'")
    }

    @Test("the longest gap between packets and when it ended; a re-INVITE is matched to the first packet from its new address")
    func timeline() {
        var t = ReceiveTimeline()
        let ms: UInt64 = 1_000_000
        for i in 0..<5 { t.packetArrived(at: 1_000 * ms + UInt64(i) * 20 * ms, fromNewAddress: true) }
        #expect(t.longestGap == 20 * ms)
        // The MCU dies at 1 080 ms; the re-INVITE comes at 3 000 ms; the old address is silent, the new one answers.
        t.noteReinvite(at: 3_000 * ms)
        t.packetArrived(at: 3_030 * ms, fromNewAddress: false)
        #expect(t.reinviteToMedia.isEmpty, "a packet from the old address does not end the wait")
        t.packetArrived(at: 3_050 * ms, fromNewAddress: true)
        #expect(t.reinviteToMedia == [50 * ms])
        #expect(t.longestGap == (3_030 - 1_080) * ms && t.longestGapEndedAt == 3_030 * ms)
        t.noteReinvite(at: 3_000 * ms)
        t.packetArrived(at: 3_070 * ms, fromNewAddress: true)
        #expect(t.reinviteToMedia.count == 1, "the same re-INVITE is matched once")
        #expect(t.firstPacketAt == 1_000 * ms && t.lastPacketAt == 3_070 * ms)
    }

    @Test("a step's late and lost shares: sequence gaps, and the shortfall against 50 packets per participant-second")
    func stepShares() {
        var before = ParticipantStatistics()
        before.packetsReceived = 1_000
        var after = before
        after.packetsReceived += 490
        after.packetsMissing = 10
        after.lateFrames = 5
        let step = CapacityStep(
            meetings: 1, participants: 2, callsFailed: 0,
            start: PacerSecond(at: 0, ticks: 0, lateTicks: 0, participants: 2, totals: before),
            end: PacerSecond(at: 5_000_000_000, ticks: 250, lateTicks: 1, participants: 2, totals: after))
        #expect(step.seconds == 5 && step.packetsReceived == 490)
        #expect(abs(step.lateShare - 5.0 / 490) < 1e-9)
        #expect(abs(step.lossShare - 0.02) < 1e-9, "10 missing of 500; 490 of the 500 expected")
        #expect(step.loadgenLateTicks == 1)
    }
}
