import Foundation
import Synchronization

/// One step of a capacity ramp: the size reached and what the receivers saw in its window.
public struct CapacityStep: Sendable, Codable, Equatable {
    /// Meetings and participants sending in the window.
    public var meetings: Int
    public var participants: Int
    /// Calls of this step the server refused or that failed.
    public var callsFailed: Int
    /// The window's length (s), and what was sent and received in it.
    public var seconds: Double
    public var packetsSent: UInt64
    public var packetsReceived: UInt64
    /// Frames more than 60 ms behind schedule, packets missing from the sequence, and the load generator's own late ticks.
    public var lateFrames: UInt64
    public var packetsMissing: UInt64
    public var loadgenLateTicks: Int
    /// The server's CPU over the window in cores (with `--server-pid`).
    public var serverCores: Double?
    /// A second window, after the first of this size went over the threshold.
    public var remeasured = false

    init(meetings: Int, participants: Int, callsFailed: Int, start: PacerSecond, end: PacerSecond) {
        self.meetings = meetings
        self.participants = participants
        self.callsFailed = callsFailed
        let window = end.totals.since(start.totals)
        seconds = Double(end.at &- start.at) / 1e9
        packetsSent = window.packetsSent
        packetsReceived = window.packetsReceived
        lateFrames = window.lateFrames
        packetsMissing = window.packetsMissing
        loadgenLateTicks = end.lateTicks - start.lateTicks
        lateShare = packetsReceived == 0 ? 1 : Double(lateFrames) / Double(packetsReceived)
        let expected = Double(participants) * seconds * 50
        let shortfall = expected <= 0 ? 1 : max(0, expected - Double(packetsReceived)) / expected
        let total = Double(packetsReceived + packetsMissing)
        lossShare = max(shortfall, total == 0 ? 1 : Double(packetsMissing) / total)
    }

    /// Late frames ÷ frames received.
    public var lateShare: Double
    /// Packets lost: the larger of the sequence gaps' share and the shortfall against one packet per participant per
    /// 20 ms (a server that skips ticks leaves no sequence gap, but sends less).
    public var lossShare: Double

    /// Whether the late or the lost share is over `threshold`.
    public func fails(_ threshold: Double) -> Bool { lateShare > threshold || lossShare > threshold }

    /// Participants per core of server CPU, when the CPU was sampled.
    public var participantsPerCore: Double? {
        guard let serverCores, serverCores > 0 else { return nil }
        return Double(participants) / serverCores
    }
}

/// What `--find-capacity` found.
public struct CapacityReport: Sendable, Codable {
    public var target: String
    public var participantsPerMeeting: Int
    public var talkers: Int
    /// Late or lost share above which a step fails.
    public var threshold: Double
    public var steps: [CapacityStep]
    /// The last step under the threshold: the capacity (nil: even the first step failed).
    public var lastGood: CapacityStep?
    /// Why the ramp ended.
    public var stopReason: String
    /// The load generator's own late ticks (> 5 ms) over the whole run: if many, it, not the server, was short of CPU.
    public var lateTicks: Int
    public var ticks: Int
    /// Calls ended with a 2xx to BYE, and calls the server ended before that.
    public var hangups: Int
    public var callsLost: Int

    /// One JSON object.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
    }

    /// Lines for a person.
    public var text: String {
        var lines = [
            "consort loadgen --find-capacity → \(target): meetings of \(participantsPerMeeting) (\(talkers) talking), threshold \(String(format: "%.2f", threshold * 100)) % late or lost",
            "  step  meetings  participants  late %   lost %   server cores  participants/core  loadgen late ticks",
        ]
        for (i, s) in steps.enumerated() {
            let cores = s.serverCores.map { String(format: "%.2f", $0) } ?? "-"
            let perCore = s.participantsPerCore.map { String(format: "%.0f", $0) } ?? "-"
            lines.append(
                String(format: "  %4d  %8d  %12d  %6.2f  %7.2f  ", i + 1, s.meetings, s.participants, s.lateShare * 100, s.lossShare * 100)
                    + String(repeating: " ", count: max(0, 12 - cores.count)) + cores + "  "
                    + String(repeating: " ", count: max(0, 17 - perCore.count)) + perCore + "  \(s.loadgenLateTicks)" + (s.remeasured ? "  (again)" : ""))
        }
        lines.append("  stopped: \(stopReason)")
        if let good = lastGood {
            var line = "  capacity: \(good.participants) participants (\(good.meetings) meetings of \(participantsPerMeeting))"
            if let perCore = good.participantsPerCore, let cores = good.serverCores {
                line += String(format: ", the server using %.2f cores: %.0f participants per core", cores, perCore)
            }
            lines.append(line)
        } else {
            lines.append("  capacity: not even the first step stayed under the threshold")
        }
        lines.append("  load generator: \(lateTicks) of \(ticks) ticks late; hung up \(hangups), lost \(callsLost)")
        return lines.joined(separator: "\n")
    }
}

/// A once-a-second progress line of a ramp.
public struct CapacityProgress: Sendable {
    /// The step being set up or measured.
    public var step: Int
    /// Participants sending.
    public var participants: Int
    /// Packets received per second, and the late and lost shares in that second.
    public var packetsPerSecond: Double
    public var lateShare: Double
    public var lossShare: Double

    init(_ second: PacerSecond, previous: PacerSecond, step: Int) {
        self.step = step
        participants = second.participants
        let window = second.totals.since(previous.totals)
        let seconds = max(0.001, Double(second.at &- previous.at) / 1e9)
        packetsPerSecond = Double(window.packetsReceived) / seconds
        lateShare = window.packetsReceived == 0 ? 0 : Double(window.lateFrames) / Double(window.packetsReceived)
        let total = Double(window.packetsReceived + window.packetsMissing)
        lossShare = total == 0 ? 0 : Double(window.packetsMissing) / total
    }

    /// "step 3: 150 calls up, 7 480 packets/s received, 0.00 % lost, 0.12 % late".
    public var line: String {
        String(
            format: "step %d: %d calls up, %.0f packets/s received, %.2f %% lost, %.2f %% late", step, participants,
            packetsPerSecond, lossShare * 100, lateShare * 100)
    }
}

/// The pacer's latest second, and waiters for the next one.
final class CapacitySeconds: Sendable {
    private struct State {
        var latest: PacerSecond?
        var waiters: [CheckedContinuation<PacerSecond, Never>] = []
    }
    private let state = Mutex(State())

    /// Records a second (pacer's thread); returns the one before it and wakes whoever waits.
    func record(_ second: PacerSecond) -> PacerSecond? {
        let (previous, waiters) = state.withLock { state in
            let previous = state.latest
            state.latest = second
            defer { state.waiters = [] }
            return (previous, state.waiters)
        }
        for waiter in waiters { waiter.resume(returning: second) }
        return previous
    }

    /// The next second the pacer records.
    func next() async -> PacerSecond {
        await withCheckedContinuation { continuation in
            state.withLock { $0.waiters.append(continuation) }
        }
    }
}

/// The ramp's current step, read by the progress callback.
final class StepCounter: Sendable {
    private let current = Atomic<Int>(0)
    var value: Int {
        get { current.load(ordering: .relaxed) }
        set { current.store(newValue, ordering: .relaxed) }
    }
}
