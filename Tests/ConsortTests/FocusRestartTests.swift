import Focus
import Foundation
import Testing
import TestSupport

/// State that must survive a restart: scheduled meetings (from the file and from the API), users, registrations.
@Suite("Focus: restart", .serialized, .timeLimit(.minutes(2)))
struct FocusRestartTests {
    @Test("a meeting created through the API survives a restart and can be joined; the file's changes are re-applied")
    func scheduledMeetingsSurvive() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("focus.sqlite").path

        let first = try await InProcessServer.start(focus: FocusJoinTests.tenants(), database: database)
        try await first.focus.saveMeeting(
            ScheduledMeeting(tenant: "acme", id: "retro", organizer: "alice", presenters: ["bob"], subject: "Sprint retro"))
        let conflict = await #expect(throws: ControlError.self) {
            try await first.focus.saveMeeting(ScheduledMeeting(tenant: "acme", id: "weekly", subject: "hijack"))
        }
        #expect(conflict?.code == .conflict, "configuration meetings are changed in the file")
        await first.stop()

        // Second start: the same file, a configuration without the "small" meeting.
        var changed = FocusJoinTests.tenants()
        changed.tenants[0].meetings.removeAll { $0.id == "small" }
        let second = try await InProcessServer.start(focus: changed, database: database)
        let retro = second.focus.directory.meeting(tenant: "acme", id: "retro")
        let weekly = second.focus.directory.meeting(tenant: "acme", id: "weekly")
        let small = second.focus.directory.meeting(tenant: "acme", id: "small")
        let join = try FocusSipp.run(
            "invite-auth", port: second.port, service: "retro", domain: "acme.test", user: "bob", fill: FocusJoinTests.success,
            extra: ["-au", "bob", "-ap", "bob-pw"])
        await second.stop()
        #expect(retro?.subject == "Sprint retro" && retro?.source == .api && retro?.presenters == ["bob"])
        #expect(weekly?.source == .configuration)
        #expect(small == nil, "a meeting the file no longer declares is gone")
        #expect(join.status == 0, "bob joins the restored meeting: \(join.output.suffix(1_500))")
    }
}
