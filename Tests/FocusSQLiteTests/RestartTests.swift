import Focus
import Foundation
import Testing

@testable import FocusSQLite

@Suite("Restart")
struct RestartTests {
    @Test("a new store on the same file finds the tenants, users, meetings of both sources and registrations")
    func reopenKeepsRecords() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/focus.sqlite"
            let tenant = Fixtures.tenant("contoso")
            let alice = Fixtures.user("contoso", "alice")
            let configured = Fixtures.meeting("contoso", "weekly")
            let created = Fixtures.meeting("contoso", "planning", subject: "From the API", source: .api)
            let binding = Fixtures.registration("contoso", "alice", contact: "sip:alice@192.0.2.1", expires: 5000)
            do {
                let store = try SQLiteFocusStore(path: path)
                try await store.applyConfiguration(tenants: [tenant], users: [alice], meetings: [configured])
                try await store.saveMeeting(created)
                try await store.saveRegistration(binding)
            }
            // Released, the store closed its connection: SQLite folded the write-ahead log into the file.
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"))

            let reopened = try SQLiteFocusStore(path: path)
            #expect(try await reopened.tenants() == [tenant])
            #expect(try await reopened.users(tenant: "contoso") == [alice])
            #expect(try await reopened.meetings(tenant: "contoso") == [created, configured])
            #expect(try await reopened.registrations(tenant: "contoso", user: "alice", now: 1000) == [binding])

            // A start re-applies the same file: the API meeting is still there afterwards.
            try await reopened.applyConfiguration(tenants: [tenant], users: [alice], meetings: [configured])
            #expect(try await reopened.meetings(tenant: "contoso") == [created, configured])
        }
    }
}
