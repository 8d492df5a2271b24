import AudioMixer
import Testing

/// Drives a jitter buffer with small payloads whose first byte is the packet number, and takes 20 ms from it per tick
/// the way a participant does (a long packet lasts several ticks; short ones are taken until the tick is covered).
final class JitterHarness {
    let buffer: JitterBuffer
    var now: UInt64 = 0
    let baseTimestamp: UInt32
    let baseSequence: UInt16
    /// Clock units per packet (960 = 20 ms at 48 kHz).
    let packetDuration: Int
    /// Media already taken for the coming ticks (what a participant keeps decoded).
    private var carried = 0

    init(
        min: Int = 20, max: Int = 200, shrinkAfter: Int = 1000, baseTimestamp: UInt32 = 1_000, baseSequence: UInt16 = 100,
        packetMilliseconds: Int = 20
    ) {
        buffer = JitterBuffer(
            configuration: JitterBufferConfiguration(
                minDelayMilliseconds: min, maxDelayMilliseconds: max, shrinkAfterMilliseconds: shrinkAfter),
            clockRate: 48_000)
        self.baseTimestamp = baseTimestamp
        self.baseSequence = baseSequence
        self.packetDuration = 48 * packetMilliseconds
    }

    /// Inserts packet `n` (timestamp base + duration·n, sequence base + `seq`), payload [n % 256, 0xAA, 0xBB].
    @discardableResult
    func insert(frame n: Int, sequence: Int? = nil, payloadSize: Int = 3) -> Bool {
        var payload = [UInt8](repeating: 0xAA, count: payloadSize)
        payload[0] = UInt8(truncatingIfNeeded: n)
        return payload.withUnsafeBytes {
            buffer.insert(
                payload: $0, sequenceNumber: baseSequence &+ UInt16(truncatingIfNeeded: sequence ?? n),
                timestamp: baseTimestamp &+ UInt32(truncatingIfNeeded: n) &* UInt32(packetDuration), duration: packetDuration,
                audioLevel: nil, arrival: now)
        }
    }

    /// Runs one tick and describes what it took: "p<n>", "lost+<n>", "lost", "silence", "underrun", with the duration
    /// in brackets when it is not 20 ms, comma-separated; "carry" when the tick needed nothing new.
    func pop() -> String {
        now += 20_000_000
        buffer.beginTick()
        var have = carried
        var parts: [String] = []
        while have < 960 {
            let frame = buffer.pop(maxDuration: 960 - have)
            have += frame.duration
            let length = frame.duration == 960 ? "" : "(\(frame.duration))"
            switch frame {
            case .silence: parts.append("silence" + length)
            case .underrun: parts.append("underrun" + length)
            case .packet(let p): parts.append("p\(p.payload[0])" + length)
            case .lost(_, let next): parts.append("lost" + length + (next.map { "+\($0.payload[0])" } ?? ""))
            }
        }
        carried = have - 960
        return parts.isEmpty ? "carry" : parts.joined(separator: ",")
    }
}

@Suite("Jitter buffer")
struct JitterBufferTests {
    @Test("plays in order what arrives out of order")
    func reorders() {
        let h = JitterHarness(min: 40)
        h.insert(frame: 0)
        h.insert(frame: 2)
        h.insert(frame: 1)
        h.insert(frame: 3)
        var played: [String] = []
        for _ in 0..<6 { played.append(h.pop()) }
        #expect(played.filter { $0.hasPrefix("p") } == ["p0", "p1", "p2", "p3"])
    }

    @Test("drops duplicates and counts them")
    func duplicates() {
        let h = JitterHarness()
        #expect(h.insert(frame: 0))
        #expect(!h.insert(frame: 0))
        #expect(h.buffer.counters.duplicates == 1)
    }

    @Test("a packet after its playout time is late: dropped and counted")
    func late() {
        let h = JitterHarness()
        h.insert(frame: 0)
        h.insert(frame: 1)
        h.insert(frame: 2)
        #expect(h.pop() == "p0")
        #expect(h.pop() == "p1")
        #expect(!h.insert(frame: 0))
        #expect(h.buffer.counters.late == 1)
    }

    @Test("a missing frame with later ones present is a loss, with the next packet offered for FEC")
    func lossWithNext() {
        let h = JitterHarness()
        h.insert(frame: 0)
        #expect(h.pop() == "p0")
        h.insert(frame: 2)
        h.insert(frame: 3)
        #expect(h.pop() == "lost+2")
        #expect(h.pop() == "p2")
        #expect(h.buffer.counters.lost == 1)
    }

    @Test("a timestamp gap with consecutive sequence numbers is a DTX pause, not a loss (RFC 7587 §3.1.3)")
    func dtxGapIsNotLoss() {
        let h = JitterHarness()
        h.insert(frame: 0, sequence: 0)
        #expect(h.pop() == "p0")
        h.buffer.notePlayedFrame(active: false)
        h.insert(frame: 5, sequence: 1)  // frames 1–4 were never sent
        var played: [String] = []
        for _ in 0..<6 { played.append(h.pop()) }
        #expect(played.contains("p5"))
        #expect(!played.contains { $0.hasPrefix("lost") })
        #expect(h.buffer.counters.lost == 0)
    }

    @Test("an underrun in a talk spurt waits a frame (the delay stretches) and the frame still plays")
    func underrunStretches() {
        let h = JitterHarness()
        h.insert(frame: 0)
        #expect(h.pop() == "p0")
        #expect(h.pop() == "underrun")
        h.insert(frame: 1)
        #expect(h.pop() == "p1")
        #expect(h.buffer.counters.stretched == 1)
        #expect(h.buffer.counters.lost == 0)
        #expect(h.buffer.counters.targetDelayMilliseconds >= 40)
    }

    @Test("a buffer that holds too much for too long drops a frame (the delay shrinks)")
    func sustainedExcessShrinks() {
        let h = JitterHarness(min: 20, max: 200, shrinkAfter: 200)
        // Ten frames arrive at once, far more than the 20 ms target, and then one per tick.
        for n in 0..<10 { h.insert(frame: n) }
        _ = h.pop()
        let before = h.buffer.counters.currentDelayMilliseconds
        for n in 10..<60 {
            h.insert(frame: n)
            _ = h.pop()
        }
        #expect(h.buffer.counters.shrunk >= 2)
        #expect(h.buffer.counters.currentDelayMilliseconds < before)
    }

    @Test("a sender whose clock runs fast is kept within bounds by shrinking")
    func fastSenderDrift() {
        let h = JitterHarness(min: 20, max: 200, shrinkAfter: 500)
        var frame = 0
        // 1% fast: 101 frames per 100 ticks, for 60 simulated seconds.
        for tick in 0..<3_000 {
            h.insert(frame: frame)
            frame += 1
            if tick % 100 == 0 {
                h.insert(frame: frame)
                frame += 1
            }
            _ = h.pop()
        }
        #expect(h.buffer.counters.currentDelayMilliseconds <= 200)
        #expect(h.buffer.counters.shrunk >= 20)
    }

    @Test("a sender whose clock runs slow stretches instead of losing frames")
    func slowSenderDrift() {
        let h = JitterHarness()
        var frame = 0
        var lost = 0
        for tick in 0..<3_000 {
            if tick % 100 != 99 {  // 1% slow: one tick in a hundred brings nothing
                h.insert(frame: frame)
                frame += 1
            }
            if h.pop().hasPrefix("lost") { lost += 1 }
        }
        #expect(lost == 0)
        #expect(h.buffer.counters.stretched >= 20)
    }

    @Test("jitter raises the target delay, within the configured maximum")
    func adaptsToJitter() {
        let h = JitterHarness(min: 20, max: 120)
        var arrivals: [(UInt64, Int)] = []
        for n in 0..<500 {
            // Packets sent every 20 ms, delayed by 0–60 ms.
            let delay = UInt64((n * 37) % 61) * 1_000_000
            arrivals.append((UInt64(n) * 20_000_000 + delay, n))
        }
        arrivals.sort { $0.0 < $1.0 }
        var next = 0
        for tick in 0..<520 {
            let now = UInt64(tick) * 20_000_000
            while next < arrivals.count && arrivals[next].0 <= now {
                h.now = arrivals[next].0
                h.insert(frame: arrivals[next].1)
                next += 1
            }
            h.now = now
            _ = h.pop()
        }
        let target = h.buffer.counters.targetDelayMilliseconds
        #expect(target >= 60 && target <= 120)
        #expect(h.buffer.counters.late < 25, "late: \(h.buffer.counters.late)")
    }

    @Test("a restarted sender (timestamps jump back) is followed, not dropped forever")
    func resynchronizes() {
        let h = JitterHarness()
        for n in 0..<5 {
            h.insert(frame: n)
            _ = h.pop()
        }
        var accepted = false
        for n in 0..<20 { accepted = h.insert(frame: -100_000 + n) || accepted }
        #expect(accepted)
        #expect(h.buffer.counters.resynchronized >= 1)
    }

    @Test("sequence and timestamp wrap-around are seamless")
    func wrapAround() {
        let h = JitterHarness(baseTimestamp: UInt32.max - 960 * 2, baseSequence: UInt16.max - 1)
        var played: [String] = []
        for n in 0..<6 {
            h.insert(frame: n)
            played.append(h.pop())
        }
        #expect(played == ["p0", "p1", "p2", "p3", "p4", "p5"])
        #expect(h.buffer.counters.lost == 0)
    }

    @Test("an oversized payload is dropped and counted, never copied")
    func oversized() {
        let h = JitterHarness()
        #expect(!h.insert(frame: 0, payloadSize: 5_000))
        #expect(h.buffer.counters.oversized == 1)
    }

    @Test("10 ms packets play two per tick; a copy of one is a duplicate, its neighbour is not")
    func shortPacketsJoin() {
        let h = JitterHarness(packetMilliseconds: 10)
        #expect(h.insert(frame: 0))
        #expect(h.insert(frame: 1))
        #expect(!h.insert(frame: 1))
        h.insert(frame: 3)
        h.insert(frame: 2)
        var played: [String] = []
        for _ in 0..<3 { played.append(h.pop()) }
        #expect(played == ["p0(480),p1(480)", "p2(480),p3(480)", "underrun"])
        #expect(h.buffer.counters.duplicates == 1 && h.buffer.counters.accepted == 4)
    }

    @Test("a 60 ms packet plays whole over three ticks; 30 ms packets one and a half per tick")
    func longPacketsSpanTicks() {
        let sixty = JitterHarness(packetMilliseconds: 60)
        for n in 0..<3 { sixty.insert(frame: n) }
        var played: [String] = []
        for _ in 0..<9 { played.append(sixty.pop()) }
        #expect(played == ["p0(2880)", "carry", "carry", "p1(2880)", "carry", "carry", "p2(2880)", "carry", "carry"])

        let thirty = JitterHarness(packetMilliseconds: 30)
        for n in 0..<4 { thirty.insert(frame: n) }
        played = []
        for _ in 0..<6 { played.append(thirty.pop()) }
        #expect(played == ["p0(1440)", "p1(1440)", "carry", "p2(1440)", "p3(1440)", "carry"])
    }

    @Test("a lost 40 ms packet is one 40 ms loss, offered with the packet after it for FEC")
    func longLoss() {
        let h = JitterHarness(packetMilliseconds: 40)
        h.insert(frame: 0)
        #expect(h.pop() == "p0(1920)")
        h.insert(frame: 2)
        #expect(h.pop() == "carry")
        #expect(h.pop() == "lost(1920)+2")
        #expect(h.pop() == "carry")
        #expect(h.pop() == "p2(1920)")
        #expect(h.buffer.counters.lost == 1)
    }

    @Test("a DTX pause between 40 ms packets is silence, not loss")
    func longPacketPause() {
        let h = JitterHarness(packetMilliseconds: 40)
        h.insert(frame: 0, sequence: 0)
        h.insert(frame: 3, sequence: 1)  // 40–120 ms never sent
        var played: [String] = []
        for _ in 0..<8 { played.append(h.pop()) }
        #expect(played == ["p0(1920)", "carry", "silence", "silence", "silence", "silence", "p3(1920)", "carry"])
        #expect(h.buffer.counters.lost == 0 && h.buffer.counters.discontinuous == 4)
    }

    @Test("10 ms packets across the sequence and timestamp wrap play in order, none dropped")
    func shortPacketsWrap() {
        let h = JitterHarness(baseTimestamp: UInt32.max - 480 * 3, baseSequence: UInt16.max - 2, packetMilliseconds: 10)
        var played: [String] = []
        for tick in 0..<4 {
            h.insert(frame: 2 * tick + 1)
            h.insert(frame: 2 * tick)
            played.append(h.pop())
        }
        #expect(played == ["p0(480),p1(480)", "p2(480),p3(480)", "p4(480),p5(480)", "p6(480),p7(480)"])
        #expect(h.buffer.counters.late == 0 && h.buffer.counters.duplicates == 0 && h.buffer.counters.lost == 0)
    }

    @Test("a packet with no media time, or more than 120 ms, is dropped and counted")
    func invalidDuration() {
        let buffer = JitterBuffer(configuration: JitterBufferConfiguration(), clockRate: 48_000)
        let payload: [UInt8] = [1, 2, 3]
        let zero = payload.withUnsafeBytes {
            buffer.insert(payload: $0, sequenceNumber: 1, timestamp: 0, duration: 0, audioLevel: nil, arrival: 0)
        }
        let tooLong = payload.withUnsafeBytes {
            buffer.insert(payload: $0, sequenceNumber: 2, timestamp: 0, duration: 5_761, audioLevel: nil, arrival: 0)
        }
        #expect(!zero && !tooLong)
        #expect(buffer.counters.invalidDuration == 2)
    }
}
