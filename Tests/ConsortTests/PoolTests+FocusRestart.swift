import Foundation
import MCUControl
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension PoolTests {
    /// The roster of a meeting in the default tenant from the admin API: (uri, status) per participant, and the lock.
    func roster(_ adminURL: String, _ meeting: String) async throws -> (entries: [(uri: String, status: String)], locked: Bool?) {
        let answer = try await AdminHTTP.request("GET", "\(adminURL)/tenants/default/conferences/\(meeting)", token: Self.operatorToken)
        let entries = (answer.object["roster"] as? [[String: Any]] ?? []).map {
            (uri: $0["uri"] as? String ?? "", status: $0["status"] as? String ?? "")
        }
        return (entries, answer.object["locked"] as? Bool)
    }

    func adminURL(of focus: (Process, URL)) async throws -> String {
        let log = await waitForLog(focus, "admin API listening")
        return try #require(log.split(separator: " ").first { $0.hasPrefix("url=http://") }.map { String($0.dropFirst(4)) })
    }

    @Test(
        "the focus killed mid-meeting (SIGKILL) and started again takes the meeting over from the store: media never stopped, roster and lock are back, a phone's BYE and the operator's end reach the calls"
    )
    func focusRestartReattaches() async throws {
        try await withPool([("mcu-a", "127.0.0.3")]) { pool in
            let instance = pool.instances[0]
            let room = ConferenceID(tenant: "default", meeting: "steady")
            var phones: [BaresipInstance] = []
            defer { phones.forEach { $0.stop() } }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-restart-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            for (i, tone) in [440.0, 940, 1_440].enumerated() {
                let phone = try BaresipInstance(user: "r\(i)", tone: tone, recording: folder.appendingPathComponent("r\(i).wav"))
                phones.append(phone)
                try phone.dial("sip:steady@127.0.0.1:\(pool.sipPort)")
                _ = try phone.waitUntilEstablished(timeout: 10)
            }
            // A subscriber to the conference event package (before the lock: an anonymous one would be refused after).
            let watcher = try FocusSipp.launch(
                "subscribe-restart", port: pool.sipPort, service: "steady", domain: "127.0.0.1", user: "watcher", fill: ["COUNT": "3"],
                extra: FocusSipp.traceOptions(folder.appendingPathComponent("watcher.log")), timeout: 60, directory: folder)
            defer { _ = stopProgram(watcher, grace: 1) }
            try await Task.sleep(for: .milliseconds(500))
            let firstAdmin = try await adminURL(of: pool.focus)
            let locked = try await AdminHTTP.request("POST", "\(firstAdmin)/tenants/default/conferences/steady/lock", token: Self.operatorToken)
            #expect(locked.status == 200, "\(locked.text)")
            try await Task.sleep(for: .milliseconds(500))  // the store has the lock (writes are background work)
            let before = try await roster(firstAdmin, "steady")
            #expect(before.entries.count == 3 && before.locked == true, "\(before)")

            kill(pool.focus.0.processIdentifier, SIGKILL)
            pool.focus.0.waitUntilExit()
            // No focus: media goes on between the phones and the instance.
            let meanwhile = try await traffic(on: instance, room, window: .milliseconds(500))
            #expect(meanwhile.count == 3 && meanwhile.allSatisfy { $0.received > 10 && $0.sent > 10 }, "media with no focus: \(meanwhile)")

            let restarted = try startFocus(database: pool.url, sipPort: pool.sipPort)
            defer { _ = stopProgram(restarted, grace: 2) }
            let log = await waitForLog(restarted, "accepting calls", seconds: 20)
            try #require(log.contains("accepting calls"), "\(log.suffix(2_000))")
            #expect(
                log.contains("took over the meetings in progress") && log.contains("calls=3") && log.contains("mediaKept=3")
                    && log.contains("mediaRemade=0") && log.contains("subscriptions=1"), "\(log.suffix(2_000))")
            // The subscription carried on: proof asked again, the full state (3 users) with a later version, then the
            // unsubscribe inside the taken-over dialog and the final NOTIFY.
            let watched = waitForProgram(watcher, timeout: 20)
            #expect(watched.status == 0, "subscriber: \(watched.output.suffix(2_000))")
            let admin = try await adminURL(of: restarted)
            let after = try await roster(admin, "steady")
            #expect(after.entries.map(\.uri) == before.entries.map(\.uri), "the same roster: \(after) vs \(before)")
            #expect(after.entries.allSatisfy { $0.status == "connected" } && after.locked == true, "\(after)")
            let flowing = try await traffic(on: instance, room, window: .milliseconds(500))
            #expect(flowing.count == 3 && flowing.allSatisfy { $0.received > 10 && $0.sent > 10 }, "\(flowing)")
            // A new caller is refused: the restored lock holds.
            let late = try BaresipInstance(user: "late", tone: 700, recording: folder.appendingPathComponent("late.wav"))
            phones.append(late)
            try late.dial("sip:steady@127.0.0.1:\(pool.sipPort)")
            #expect(late.waitUntilClosed(timeout: 10), "the locked meeting turned a new caller away")

            // A phone hangs up: its BYE finds the dialog the new focus took over.
            try phones[2].hangup()
            #expect(phones[2].waitUntilClosed(timeout: 5))
            try await Task.sleep(for: .milliseconds(300))
            let two = try await roster(admin, "steady")
            #expect(two.entries.count == 2, "the hung-up phone left the roster: \(two)")
            let remaining = try await traffic(on: instance, room, window: .milliseconds(300))
            #expect(remaining.count == 2, "its MCU endpoint went: \(remaining)")

            // The operator ends the meeting: BYE in the taken-over dialogs.
            let ended = try await AdminHTTP.request("DELETE", "\(admin)/tenants/default/conferences/steady", token: Self.operatorToken)
            #expect(ended.status == 204, "\(ended.text)")
            for phone in phones.prefix(2) {
                #expect(phone.waitUntilClosed(timeout: 5), "\(phone.user) got the BYE")
            }
        }
    }
}
