import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `consort serve` with its embedded MCU killed mid-meeting and started again on the same file: the media died with
/// the process, so the focus takes the calls over from the store and re-INVITEs the phones to new media.
@Suite("consort serve: a crash mid-meeting and a restart", .serialized, .timeLimit(.minutes(2)))
struct ServeCrashRestartTests {
    static let operatorToken = "restart-operator-token"

    func start(sipPort: Int, rtp: Int, database: String) throws -> (Process, URL) {
        let config = """
            sip:
              address: 127.0.0.1
              port: \(sipPort)
            media:
              rtpPorts: \(rtp)-\(rtp + 99)
            focus:
              database: "\(database)"
              promptDirectory: \(packageRoot.appendingPathComponent("Config/prompts").path)
            admin:
              port: 0
              operatorTokens: [\(Self.operatorToken)]
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("consort-crash-\(UUID().uuidString).yaml")
        try config.write(to: file, atomically: true, encoding: .utf8)
        return try launchProgram(consortBinary, ["serve", "--config", file.path, "--log-level", "info"])
    }

    /// Packets the MCU received, from `/metrics`.
    func packetsReceived(_ adminURL: String) async throws -> Double {
        let metrics = try await AdminHTTP.request("GET", adminURL.replacingOccurrences(of: "/v1", with: "/metrics"), token: Self.operatorToken).text
        return metrics.split(separator: "\n").filter { $0.hasPrefix("consort_media_packets_received_total") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    @Test("SIGKILL mid-meeting, start again: both phones are re-INVITEd to new media and stay in the call, media flows, the roster is back, and the operator's end reaches them")
    func crashAndRestart() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("focus.sqlite").path
        let (sipPort, rtp) = (freePort(), freePortBlock(count: 100))
        let first = try start(sipPort: sipPort, rtp: rtp, database: database)
        defer { _ = stopProgram(first, grace: 1) }
        let ready = await waitForLog(first, "accepting calls", seconds: 20)
        try #require(ready.contains("accepting calls"), "\(ready.suffix(1_500))")

        var phones: [BaresipInstance] = []
        defer { phones.forEach { $0.stop() } }
        for (i, tone) in [440.0, 1_040].enumerated() {
            let phone = try BaresipInstance(user: "c\(i)", tone: tone, recording: folder.appendingPathComponent("c\(i).wav"))
            phones.append(phone)
            try phone.dial("sip:crashroom@127.0.0.1:\(sipPort)")
            _ = try phone.waitUntilEstablished(timeout: 10)
        }
        try await Task.sleep(for: .milliseconds(500))
        kill(first.0.processIdentifier, SIGKILL)
        first.0.waitUntilExit()

        let second = try start(sipPort: sipPort, rtp: rtp, database: database)
        defer { _ = stopProgram(second, grace: 2) }
        let log = await waitForLog(second, "conference media moved", seconds: 20)
        #expect(
            log.contains("took over the meetings in progress") && log.contains("calls=2") && log.contains("mediaRemade=2"),
            "\(log.suffix(2_500))")
        #expect(log.contains("conference media moved") && log.contains("moved=2"), "both phones took the re-INVITE: \(log.suffix(2_500))")
        for phone in phones { #expect(!phone.waitUntilClosed(timeout: 0.1), "\(phone.user) is still in its call") }

        let adminLog = await waitForLog(second, "admin API listening")
        let admin = try #require(adminLog.split(separator: " ").first { $0.hasPrefix("url=http://") }.map { String($0.dropFirst(4)) })
        let conference = try await AdminHTTP.request("GET", "\(admin)/tenants/default/conferences/crashroom", token: Self.operatorToken)
        let roster = conference.object["roster"] as? [[String: Any]] ?? []
        #expect(roster.count == 2 && roster.allSatisfy { $0["status"] as? String == "connected" }, "\(conference.text)")
        let before = try await packetsReceived(admin)
        try await Task.sleep(for: .seconds(1))
        let received = try await packetsReceived(admin) - before
        #expect(received > 60, "both phones' audio reaches the new MCU (~100 packets/s): \(received) in a second")

        let ended = try await AdminHTTP.request("DELETE", "\(admin)/tenants/default/conferences/crashroom", token: Self.operatorToken)
        #expect(ended.status == 204, "\(ended.text)")
        for phone in phones { #expect(phone.waitUntilClosed(timeout: 5), "\(phone.user) got the BYE") }
        // Ended for good: nothing is left for a third start to take over.
        let stopped = stopProgram(second, grace: 5)
        #expect(stopped.status == 0)
        let third = try start(sipPort: sipPort, rtp: rtp, database: database)
        defer { _ = stopProgram(third, grace: 2) }
        let thirdLog = await waitForLog(third, "accepting calls", seconds: 20)
        #expect(thirdLog.contains("accepting calls") && !thirdLog.contains("took over"), "\(thirdLog.suffix(1_500))")
    }
}
