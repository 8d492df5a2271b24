import Foundation
import LoadGenerator
import Logging
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The load generator through an MCU failover (issue 11): `consort loadgen` participants in meetings spread over a pool
/// of two `consort mcu` processes (PostgreSQL, the instances and the focus started as ``PoolTests`` starts them); the
/// instance hosting a meeting is killed with SIGKILL mid-run, and every participant of the moved meeting must answer
/// the focus's re-INVITE and hear audio again from the other instance within 5 s of the kill, with no call lost.
@Suite("MCU pool under load: loadgen through a SIGKILL", .serialized, .timeLimit(.minutes(3)), .temporaryPostgres)
struct PoolLoadTests {
    @Test("2 meetings × 3 loadgen participants; SIGKILL of one meeting's instance: its participants answer the re-INVITE and hear audio again within 5 s, no call lost")
    func failoverUnderLoad() async throws {
        let pool = PoolTests()
        try await pool.withPool([("mcu-a", "127.0.0.3"), ("mcu-b", "127.0.0.4")]) { running in
            var options = LoadGeneratorOptions()
            options.targetPort = running.sipPort
            options.meetingPrefix = "failover-"
            options.participants = 3
            options.conferences = 2
            options.talkers = 3
            options.seconds = 12
            options.reportGaps = true
            options.sourceAddresses = try #require(LoopbackAddress.range("127.0.0.20-127.0.0.25"))
            var logger = Logger(label: "pool-load-test")
            logger.logLevel = .warning
            let generator = LoadGenerator(options: options, logger: logger)
            let run = Task { try await generator.run() }
            defer { run.cancel() }

            // Both meetings placed (the calls are up), then two seconds of media before the kill.
            var homes: [String?] = [nil, nil]
            let placing = ContinuousClock.now
            while homes.contains(where: { $0 == nil }), ContinuousClock.now - placing < .seconds(10) {
                try await Task.sleep(for: .milliseconds(200))
                homes = try (1...2).map { try pool.placement("failover-\($0)", running.postgres, database: running.database) }
            }
            let victimID = try #require(homes[0], "meeting failover-1 was never placed")
            try #require(homes[1] != nil, "meeting failover-2 was never placed")
            try await Task.sleep(for: .seconds(3))
            let victim = try #require(running.instances.first { $0.id == victimID })
            let killedAt = Date().timeIntervalSince1970
            kill(victim.process.0.processIdentifier, SIGKILL)

            let report = try await run.value
            print(report.text)
            let outcomes = try #require(report.perParticipant)
            #expect(report.callsSetUp == 6, "\(report.failureReasons)")
            #expect(report.callsLost == 0, "\(report.lostReasons)")
            #expect(report.participantsSilentAtEnd == 0)
            let movedMeetings = Set(homes.enumerated().filter { $0.element == victimID }.map { "failover-\($0.offset + 1)/" })
            let moved = outcomes.filter { o in movedMeetings.contains { o.name.hasPrefix($0) } }
            #expect(moved.count == 3 * movedMeetings.count)
            for o in moved {
                #expect(o.reinvites >= 1, "\(o.name) got the re-INVITE")
                #expect(o.reinviteToMediaMilliseconds.count >= 1, "\(o.name): audio from the new address after the re-INVITE")
                let back = (o.longestGapEndedAt ?? 0) - killedAt
                #expect(back > 0 && back < 5, "\(o.name) hears audio again \(back) s after the kill (gap \(o.longestGapMilliseconds) ms)")
                print("\(o.name): audio back \(String(format: "%.2f", back)) s after SIGKILL; re-INVITE → media \(o.reinviteToMediaMilliseconds) ms")
            }
            for o in outcomes where !moved.contains(o) {
                #expect(o.reinvites == 0 && o.longestGapMilliseconds < 500, "\(o.name) on the surviving instance kept its audio")
            }
        }
    }
}
