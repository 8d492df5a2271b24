import AudioMixer
import Testing

/// Drives a jitter buffer with one-byte payloads whose value is the frame number.
final class JitterHarness {
    let buffer: JitterBuffer
    var now: UInt64 = 0
    let baseTimestamp: UInt32
    let baseSequence: UInt16

    init(min: Int = 20, max: Int = 200, shrinkAfter: Int = 1000, baseTimestamp: UInt32 = 1_000, baseSequence: UInt16 = 100) {
        buffer = JitterBuffer(
            configuration: JitterBufferConfiguration(
                minDelayMilliseconds: min, maxDelayMilliseconds: max, shrinkAfterMilliseconds: shrinkAfter),
            clockRate: 48_000)
        self.baseTimestamp = baseTimestamp
        self.baseSequence = baseSequence
    }

    /// Inserts frame `n` (timestamp base + 960·n, sequence base + `seq`), payload [n % 256, 0xAA, 0xBB].
    @discardableResult
    func insert(frame n: Int, sequence: Int? = nil, payloadSize: Int = 3) -> Bool {
        var payload = [UInt8](repeating: 0xAA, count: payloadSize)
        payload[0] = UInt8(truncatingIfNeeded: n)
        return payload.withUnsafeBytes {
            buffer.insert(
                payload: $0, sequenceNumber: baseSequence &+ UInt16(truncatingIfNeeded: sequence ?? n),
                timestamp: baseTimestamp &+ UInt32(truncatingIfNeeded: n) &* 960, audioLevel: nil, arrival: now)
        }
    }

    /// Pops one frame and describes it: "p<n>", "lost", "lost+<n>", "silence", "underrun".
    func pop() -> String {
        now += 20_000_000
        switch buffer.pop() {
        case .silence: return "silence"
        case .underrun: return "underrun"
        case .packet(let p): return "p\(p.payload[0])"
        case .lost(let next): return next.map { "lost+\($0.payload[0])" } ?? "lost"
        }
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
}
