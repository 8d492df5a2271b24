import Foundation
import MediaCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Sends every participant's next frame every 20 ms and drains what came back, on one thread paced by absolute
/// deadlines on the monotonic clock (`clock_nanosleep(TIMER_ABSTIME)` to start + k × 20 ms), so it never drifts. A
/// tick that starts more than 5 ms after its deadline is late; a late tick still sends, so the packet rate holds.
///
/// It also samples the server's CPU at tick boundaries: after the warm-up, then at the end of each window. Participants
/// can join while it runs (``add(_:)``, a capacity ramp), and ``onSecond`` hears the running totals once a second.
final class MediaPacer: @unchecked Sendable {
    static let tickNanoseconds: UInt64 = 20_000_000
    static let lateNanoseconds: UInt64 = 5_000_000

    /// Every participant it sends for (the loop's thread once it runs).
    private var participants: [LoadParticipant]
    /// Participants handed over by ``add(_:)``, taken in at the next tick.
    private let arrivals = Mutex<[LoadParticipant]>([])
    private let hasArrivals = Atomic<Bool>(false)
    /// Called on the loop's thread every 50 ticks with the totals so far; must return quickly.
    var onSecond: (@Sendable (PacerSecond) -> Void)?
    private let ticks: Int
    private let sampler: ServerCPUSampler?
    private let warmupTicks: Int
    private let windowTicks: Int
    private let repeats: Int
    private let stopRequested = Atomic<Bool>(false)
    /// Where every participant's replies are read, one socket at a time (the loop's thread only).
    private let batch = DatagramBatch()

    /// Results, valid after `run()` returns.
    private(set) var ticksRun = 0
    private(set) var lateTicks = 0
    private(set) var maxLatenessNanoseconds: UInt64 = 0
    private(set) var windows: [CPUWindow] = []
    private(set) var wallSeconds = 0.0
    /// When the last tick started (monotonic, ``now()``).
    private(set) var lastTickAt: UInt64 = 0

    init(participants: [LoadParticipant], seconds: Double, sampler: ServerCPUSampler?, warmup: Double, window: Double, repeats: Int) {
        self.participants = participants
        ticks = max(1, Int((seconds * 50).rounded(.up)))
        self.sampler = sampler
        warmupTicks = Int((warmup * 50).rounded())
        windowTicks = max(1, Int((window * 50).rounded()))
        self.repeats = repeats
    }

    /// Adds participants (their destination set); they send from the next tick on.
    func add(_ joining: [LoadParticipant]) {
        arrivals.withLock { $0 += joining }
        hasArrivals.store(true, ordering: .releasing)
    }

    /// Asks the loop to stop at its next tick.
    func stop() { stopRequested.store(true, ordering: .relaxed) }

    /// Runs the loop on its own thread; returns when it ends.
    func run() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread { [self] in
                loop()
                done.resume()
            }
            thread.name = "consort-loadgen-pacer"
            thread.qualityOfService = .userInteractive
            thread.start()
        }
    }

    private func loop() {
        let start = Self.now()
        var windowStart: (wall: UInt64, cpu: Double)?
        for tick in 0..<ticks {
            if stopRequested.load(ordering: .relaxed) { break }
            let deadline = start + UInt64(tick) * Self.tickNanoseconds
            Self.sleep(until: deadline)
            let now = Self.now()
            if now > deadline {
                let late = now - deadline
                maxLatenessNanoseconds = max(maxLatenessNanoseconds, late)
                if late > Self.lateNanoseconds { lateTicks += 1 }
            }
            if let sampler, tick >= warmupTicks, (tick - warmupTicks) % windowTicks == 0, windows.count < repeats {
                let cpu = sampler.cpuSeconds()
                if let previous = windowStart, let cpu {
                    windows.append(CPUWindow(
                        wallSeconds: Double(now - previous.wall) / 1e9, cpuSeconds: cpu - previous.cpu,
                        participants: participants.count))
                }
                windowStart = cpu.map { (now, $0) }
            }
            if hasArrivals.exchange(false, ordering: .acquiring) {
                participants += arrivals.withLock { joining in
                    defer { joining = [] }
                    return joining
                }
            }
            for p in participants { p.sendFrame() }
            for p in participants { p.drain(batch) }
            ticksRun += 1
            lastTickAt = now
            if let onSecond, ticksRun % 50 == 0 {
                onSecond(PacerSecond(
                    at: now, ticks: ticksRun, lateTicks: lateTicks, participants: participants.count,
                    totals: participants.reduce(ParticipantStatistics()) { $0 + $1.statistics }))
            }
        }
        // The last window closes at the end of its last tick.
        if let sampler, let previous = windowStart, windows.count < repeats, ticksRun >= warmupTicks + windowTicks * (windows.count + 1) {
            Self.sleep(until: start + UInt64(ticksRun) * Self.tickNanoseconds)
            let now = Self.now()
            if let cpu = sampler.cpuSeconds() {
                windows.append(CPUWindow(
                    wallSeconds: Double(now - previous.wall) / 1e9, cpuSeconds: cpu - previous.cpu, participants: participants.count))
            }
        }
        // What is still in flight after the last send.
        let tail = Self.now() + 60_000_000
        while Self.now() < tail {
            Self.sleep(until: Self.now() + 10_000_000)
            for p in participants { p.drain(batch) }
        }
        wallSeconds = Double(Self.now() - start) / 1e9
    }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    static func sleep(until deadline: UInt64) {
        var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
    }
}

/// The pacer's running totals, once a second.
struct PacerSecond: Sendable {
    /// When the tick that ends the second started (monotonic).
    let at: UInt64
    /// Ticks run so far, and those late.
    let ticks: Int
    let lateTicks: Int
    /// Participants sending.
    let participants: Int
    /// Every participant's counters, summed.
    let totals: ParticipantStatistics
}
