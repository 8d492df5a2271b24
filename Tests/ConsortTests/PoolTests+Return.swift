import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension PoolTests {
    /// An instance's state in the shared database.
    func instanceState(_ id: String, _ pool: Pool) throws -> String {
        try runProgram(
            "\(TemporaryPostgres.binaries)/psql",
            [
                "-At", pool.url.replacingOccurrences(of: "?sslmode=disable", with: ""), "-c",
                "SELECT state FROM mcu_instances WHERE id = '\(id)'",
            ], timeout: 10
        ).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(
        "an instance that stalls past downAfter (SIGSTOP) is marked down and its meeting moves; when it runs again it drops what moved, registers again and takes the next new meeting"
    )
    func stalledInstanceComesBack() async throws {
        try await withPool([("mcu-a", "127.0.0.3"), ("mcu-b", "127.0.0.4")]) { pool in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-stall-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var phones: [BaresipInstance] = []
            defer { phones.forEach { $0.stop() } }
            let first = try BaresipInstance(user: "s0", tone: 440, recording: folder.appendingPathComponent("s0.wav"))
            phones.append(first)
            try first.dial("sip:stalled@127.0.0.1:\(pool.sipPort)")
            _ = try first.waitUntilEstablished(timeout: 10)
            let home = try #require(try placement("stalled", pool.postgres, database: pool.database))
            let stalled = try #require(pool.instances.first { $0.id == home })
            let other = try #require(pool.instances.first { $0.id != home })

            kill(stalled.process.0.processIdentifier, SIGSTOP)
            var moved: String?
            let stoppedAt = ContinuousClock.now
            while ContinuousClock.now - stoppedAt < .seconds(8), moved != other.id {
                try await Task.sleep(for: .milliseconds(200))
                moved = try placement("stalled", pool.postgres, database: pool.database)
            }
            kill(stalled.process.0.processIdentifier, SIGCONT)
            #expect(moved == other.id, "the stalled instance's meeting moved to \(other.id): \(moved ?? "nowhere")")

            var state = ""
            let resumedAt = ContinuousClock.now
            while ContinuousClock.now - resumedAt < .seconds(8), state != "up" {
                try await Task.sleep(for: .milliseconds(200))
                state = try instanceState(stalled.id, pool)
            }
            #expect(state == "up", "it registered again")
            let log = await waitForLog(stalled.process, "registered in the pool again", seconds: 5)
            #expect(log.contains("marked this instance down") && log.contains("registered in the pool again"), "\(log.suffix(2_000))")
            let dropped = await waitForLog(stalled.process, "dropping a conference this instance no longer owns", seconds: 5)
            #expect(dropped.contains("dropping a conference this instance no longer owns"), "\(dropped.suffix(1_500))")
            #expect(!first.waitUntilClosed(timeout: 0.1), "the moved phone is still in its call")

            // The focus connects to it again: the next meeting goes to it (no conference there, one on the other).
            try await Task.sleep(for: .seconds(1.5))
            let second = try BaresipInstance(user: "s1", tone: 1_000, recording: folder.appendingPathComponent("s1.wav"))
            phones.append(second)
            try second.dial("sip:fresh@127.0.0.1:\(pool.sipPort)")
            _ = try second.waitUntilEstablished(timeout: 10)
            #expect(try placement("fresh", pool.postgres, database: pool.database) == stalled.id, "the returned instance takes new meetings")
        }
    }
}
