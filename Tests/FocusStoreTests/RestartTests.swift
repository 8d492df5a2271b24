import Focus
import Foundation
import Testing

extension FocusStoreSuites {
    @Suite("Restart")
    struct RestartTests {
        @Test(
            "a new store on the same database finds the tenants, users, meetings of both sources and registrations",
            arguments: StoreKind.allCases)
        func reopenKeepsRecords(_ kind: StoreKind) async throws {
            try await withStoreLocation(kind) { location in
                let tenant = Fixtures.tenant("contoso")
                let alice = Fixtures.user("contoso", "alice")
                let configured = Fixtures.meeting("contoso", "weekly")
                let created = Fixtures.meeting("contoso", "planning", subject: "From the API", source: .api)
                let binding = Fixtures.registration("contoso", "alice", contact: "sip:alice@192.0.2.1", expires: 5000)
                try await withStore(at: location) { store in
                    try await store.applyConfiguration(tenants: [tenant], users: [alice], meetings: [configured])
                    try await store.saveMeeting(created)
                    try await store.saveRegistration(binding)
                }
                if kind == .sqlite {
                    // Released, the store closed its connection: SQLite folded the write-ahead log into the file.
                    #expect(!FileManager.default.fileExists(atPath: location.setting + "-wal"))
                }

                try await withStore(at: location) { reopened in
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
    }
}
