import Foundation

/// What a load run measured.
public struct LoadReport: Sendable, Codable {
    /// "sip" or "janus".
    public var mode: String
    /// host:port.
    public var target: String
    /// Participants per meeting.
    public var participants: Int
    /// Meetings.
    public var conferences: Int
    /// Talkers per meeting.
    public var talkers: Int
    /// Calls (or Janus joins) attempted.
    public var callsAttempted: Int
    /// Calls set up with usable media.
    public var callsSetUp: Int
    /// Calls that failed.
    public var callsFailed: Int
    /// The first few failure reasons.
    public var failureReasons: [String]
    /// Seconds to set up every call.
    public var setupSeconds: Double
    /// Seconds of media.
    public var mediaSeconds: Double
    /// Sums over every participant.
    public var media: ParticipantStatistics
    /// Participants that received no RTP at all.
    public var participantsWithoutMedia: Int
    /// 20 ms ticks run, and those that started more than 5 ms late.
    public var ticks: Int
    /// Ticks that started more than 5 ms after their deadline.
    public var lateTicks: Int
    /// The latest tick start, in milliseconds after its deadline.
    public var maxTickLatenessMilliseconds: Double
    /// Calls ended with a 2xx to BYE (Janus: participants left with the session).
    public var hangups: Int
    /// The server process sampled, if any.
    public var serverPID: Int32?
    /// CPU windows after the warm-up.
    public var windows: [CPUWindow]
    /// Median CPU ms per participant-second over the windows.
    public var medianCPUMillisecondsPerParticipantSecond: Double?
    /// Calls that ended before the load generator hung up (the server sent BYE, or the dialog failed).
    public var callsLost: Int = 0
    /// The first few of them, with the reason.
    public var lostReasons: [String] = []
    /// Participants set up that received no RTP in the last second of media.
    public var participantsSilentAtEnd: Int = 0
    /// Participants that got at least one re-INVITE.
    public var participantsReinvited: Int = 0
    /// Re-INVITE to the first packet from the address it named, over every re-INVITE matched (ms).
    public var reinviteToMediaMilliseconds: Spread?
    /// Each participant's longest time between two packets received (ms): an outage shows here.
    public var longestGapMilliseconds: Spread?
    /// One entry per participant set up, with `--report-gaps`.
    public var perParticipant: [ParticipantOutcome]?

    /// The median and the largest of some measurements.
    public struct Spread: Sendable, Codable, Equatable {
        /// Median (mean of the middle two for an even count).
        public var median: Double
        /// Largest.
        public var max: Double
        /// How many measurements.
        public var count: Int

        /// nil for no values.
        public init?(_ values: [Double]) {
            guard let median = LoadReport.median(values), let max = values.max() else { return nil }
            self.median = median
            self.max = max
            count = values.count
        }
    }

    /// What one participant lived through, for outage measurements (`--report-gaps`).
    public struct ParticipantOutcome: Sendable, Codable, Equatable {
        /// "room3/7".
        public var name: String
        /// RTP packets received.
        public var packetsReceived: UInt64
        /// Re-INVITEs received.
        public var reinvites: UInt64
        /// For each re-INVITE matched: ms from its arrival to the first packet from its new address.
        public var reinviteToMediaMilliseconds: [Double]
        /// The longest time between two packets received (ms), and when it ended (Unix time, seconds): for an outage,
        /// the moment audio came back.
        public var longestGapMilliseconds: Double
        public var longestGapEndedAt: Double?
        /// When the last packet arrived (Unix time, seconds).
        public var lastPacketAt: Double?
    }

    /// Median of `values` (mean of the middle two for an even count).
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// One JSON object.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
    }

    /// Lines for a person.
    public var text: String {
        let expected = Double(callsSetUp) * mediaSeconds * 50
        var lines = [
            "consort loadgen (\(mode)) → \(target): \(participants) participants × \(conferences) meetings, \(talkers) talkers each",
            "  calls set up        \(callsSetUp) of \(callsAttempted) (\(callsFailed) failed) in \(String(format: "%.1f", setupSeconds)) s",
        ]
        for reason in failureReasons { lines.append("    failure: \(reason)") }
        lines += [
            "  media               \(String(format: "%.1f", mediaSeconds)) s, \(ticks) ticks, \(lateTicks) late (> 5 ms), worst \(String(format: "%.1f", maxTickLatenessMilliseconds)) ms",
            "  packets sent        \(media.packetsSent) (\(media.bytesSent) bytes; \(Int(expected)) expected), \(media.sendErrors) send errors",
            "  packets received    \(media.packetsReceived) (\(media.bytesReceived) bytes), RTCP \(media.rtcpReceived), other \(media.malformedReceived)",
            "  receive gaps        \(media.gaps) (\(media.packetsMissing) packets), reordered \(media.reordered), SSRC changes \(media.sourceChanges), silent participants \(participantsWithoutMedia)",
            "  late frames         \(media.lateFrames) (> 60 ms behind schedule)",
            "  hung up             \(hangups); calls lost \(callsLost); silent in the last second \(participantsSilentAtEnd)",
        ]
        for reason in lostReasons { lines.append("    lost: \(reason)") }
        if let gap = longestGapMilliseconds {
            lines.append(String(format: "  longest receive gap median %.0f ms, max %.0f ms", gap.median, gap.max))
        }
        if media.reinvites > 0 {
            var line = "  re-INVITEs          \(media.reinvites) to \(participantsReinvited) participants"
            if let r = reinviteToMediaMilliseconds {
                line += String(format: "; to the first packet from the new address: median %.0f ms, max %.0f ms (%d)", r.median, r.max, r.count)
            }
            lines.append(line)
        }
        if let serverPID {
            lines.append("  server CPU (pid \(serverPID))")
            for (i, w) in windows.enumerated() {
                lines.append(String(
                    format: "    window %d: %.2f s wall, %.3f s CPU (%.0f %% of a core), %d participants → %.2f CPU-ms per participant-second",
                    i + 1, w.wallSeconds, w.cpuSeconds, w.coreShare * 100, w.participants, w.cpuMillisecondsPerParticipantSecond))
            }
            if let m = medianCPUMillisecondsPerParticipantSecond {
                lines.append(String(format: "    median: %.2f CPU-ms per participant-second", m))
            }
        }
        return lines.joined(separator: "\n")
    }
}
