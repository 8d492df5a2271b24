import Focus
import Testing

extension FocusStoreSuites {
    @Suite("Scheduled meetings")
    struct MeetingTests {
        @Test("meetings are scoped by tenant: weekly in two tenants is two records", arguments: StoreKind.allCases)
        func scopedByTenant(_ kind: StoreKind) async throws {
            try await withStore(kind) { store, location in
                try await store.applyConfiguration(
                    tenants: [Fixtures.tenant("contoso"), Fixtures.tenant("fabrikam")], users: [], meetings: [])
                let contosoWeekly = Fixtures.meeting("contoso", "weekly", subject: "Contoso weekly", source: .api)
                let fabrikamWeekly = Fixtures.meeting("fabrikam", "weekly", subject: "Fabrikam weekly", source: .api)
                try await store.saveMeeting(contosoWeekly)
                try await store.saveMeeting(fabrikamWeekly)

                #expect(try await store.meeting(tenant: "contoso", id: "weekly") == contosoWeekly)
                #expect(try await store.meeting(tenant: "fabrikam", id: "weekly") == fabrikamWeekly)
                #expect(try await store.deleteMeeting(tenant: "contoso", id: "weekly"))
                #expect(try await store.meeting(tenant: "contoso", id: "weekly") == nil)
                #expect(try await store.meetings(tenant: "fabrikam") == [fabrikamWeekly])
            }
        }

        @Test("saveMeeting replaces by tenant and ID; deleteMeeting says whether there was one", arguments: StoreKind.allCases)
        func saveReplacesAndDeleteReports(_ kind: StoreKind) async throws {
            try await withStore(kind) { store, location in
                try await store.applyConfiguration(tenants: [Fixtures.tenant("contoso")], users: [], meetings: [])
                try await store.saveMeeting(Fixtures.meeting("contoso", "weekly", source: .api))
                var changed = ScheduledMeeting(tenant: "contoso", id: "weekly", subject: "No PIN now", source: .api)
                changed.policy.muteOnEntry = true
                try await store.saveMeeting(changed)

                #expect(try await store.meetings(tenant: "contoso") == [changed])
                #expect(try await store.deleteMeeting(tenant: "contoso", id: "weekly"))
                #expect(try await store.deleteMeeting(tenant: "contoso", id: "weekly") == false)
                #expect(try await store.meeting(tenant: "contoso", id: "missing") == nil)
            }
        }

        @Test("saving a meeting of a tenant that does not exist throws, naming the tenant and the database", arguments: StoreKind.allCases)
        func unknownTenant(_ kind: StoreKind) async throws {
            try await withStore(kind) { store, location in
                let error = await #expect(throws: FocusStoreError.self) {
                    try await store.saveMeeting(Fixtures.meeting("nowhere", "weekly", source: .api))
                }
                #expect(error?.reason == "cannot save meeting weekly of tenant nowhere in \(location.label): tenant nowhere does not exist")
            }
        }
    }
}
