import Focus
import Testing

extension FocusStoreSuites {
    @Suite("applyConfiguration")
    struct ConfigurationTests {
        @Test("inserts the tenants, users and meetings it is given, as configuration records", arguments: StoreKind.allCases)
        func inserts(_ kind: StoreKind) async throws {
            try await withStore(kind) { store, location in
                let contoso = Fixtures.tenant("contoso", maxParticipants: 25)
                let fabrikam = Fixtures.tenant("fabrikam")
                let alice = Fixtures.user("contoso", "alice")
                // The source a configuration meeting carries is not read: the file's records are configuration ones.
                let weekly = Fixtures.meeting("contoso", "weekly", source: .api)
                try await store.applyConfiguration(tenants: [fabrikam, contoso], users: [alice], meetings: [weekly])

                #expect(try await store.tenants() == [contoso, fabrikam])
                #expect(try await store.users(tenant: "contoso") == [alice])
                #expect(try await store.users(tenant: "fabrikam").isEmpty)
                var expected = weekly
                expected.source = .configuration
                #expect(try await store.meetings(tenant: "contoso") == [expected])
                #expect(try await store.meeting(tenant: "contoso", id: "weekly") == expected)
            }
        }

        @Test("re-applying a changed configuration updates records, removes what it no longer declares, keeps API meetings", arguments: StoreKind.allCases)
        func reapplyChanged(_ kind: StoreKind) async throws {
            try await withStore(kind) { store, location in
                try await store.applyConfiguration(
                    tenants: [Fixtures.tenant("contoso"), Fixtures.tenant("fabrikam")],
                    users: [Fixtures.user("contoso", "alice"), Fixtures.user("contoso", "bob"), Fixtures.user("fabrikam", "carol")],
                    meetings: [
                        Fixtures.meeting("contoso", "weekly"), Fixtures.meeting("contoso", "standup"),
                        Fixtures.meeting("fabrikam", "board"),
                    ])
                let adHoc = Fixtures.meeting("contoso", "planning", subject: "Created through the API", source: .api)
                try await store.saveMeeting(adHoc)
                try await store.saveRegistration(Fixtures.registration("contoso", "bob", contact: "sip:bob@192.0.2.1", expires: 2000))
                try await store.saveRegistration(Fixtures.registration("contoso", "alice", contact: "sip:alice@192.0.2.2", expires: 2000))

                // The file now: fabrikam and bob are gone, contoso's policy and alice's name changed, standup gone, weekly renamed.
                let contoso = Fixtures.tenant("contoso", maxParticipants: 40)
                let alice = Fixtures.user("contoso", "alice", displayName: "Alice Liddell")
                let weekly = Fixtures.meeting("contoso", "weekly", subject: "Weekly sync")
                try await store.applyConfiguration(tenants: [contoso], users: [alice], meetings: [weekly])

                #expect(try await store.tenants() == [contoso])
                #expect(try await store.users(tenant: "contoso") == [alice])
                #expect(try await store.meetings(tenant: "contoso") == [adHoc, weekly])
                #expect(try await store.meetings(tenant: "fabrikam").isEmpty)
                #expect(try await store.users(tenant: "fabrikam").isEmpty)
                // A removed user's bindings go with them; the others stay.
                #expect(try await store.registrations(tenant: "contoso", user: "bob", now: 1000).isEmpty)
                #expect(try await store.registrations(tenant: "contoso", user: "alice", now: 1000).count == 1)
            }
        }

        @Test("a configured meeting with an API meeting's ID replaces it and becomes a configuration meeting", arguments: StoreKind.allCases)
        func configurationWinsOverAPI(_ kind: StoreKind) async throws {
            try await withStore(kind) { store, location in
                try await store.applyConfiguration(tenants: [Fixtures.tenant("contoso")], users: [], meetings: [])
                try await store.saveMeeting(Fixtures.meeting("contoso", "weekly", subject: "From the API", source: .api))

                let configured = Fixtures.meeting("contoso", "weekly", subject: "From the file")
                try await store.applyConfiguration(tenants: [Fixtures.tenant("contoso")], users: [], meetings: [configured])
                #expect(try await store.meeting(tenant: "contoso", id: "weekly") == configured)

                // Now a configuration meeting, it goes when the file stops declaring it.
                try await store.applyConfiguration(tenants: [Fixtures.tenant("contoso")], users: [], meetings: [])
                #expect(try await store.meeting(tenant: "contoso", id: "weekly") == nil)
            }
        }

        @Test("a tenant the file no longer declares takes its users, meetings of both sources and registrations with it", arguments: StoreKind.allCases)
        func deletingTenantCascades(_ kind: StoreKind) async throws {
            try await withStore(kind) { store, location in
                try await store.applyConfiguration(
                    tenants: [Fixtures.tenant("contoso"), Fixtures.tenant("fabrikam")],
                    users: [Fixtures.user("fabrikam", "carol")],
                    meetings: [Fixtures.meeting("fabrikam", "board")])
                try await store.saveMeeting(Fixtures.meeting("fabrikam", "offsite", source: .api))
                try await store.saveRegistration(Fixtures.registration("fabrikam", "carol", contact: "sip:carol@192.0.2.3", expires: 2000))

                try await store.applyConfiguration(tenants: [Fixtures.tenant("contoso")], users: [], meetings: [])

                #expect(try await store.tenants().map(\.id) == ["contoso"])
                #expect(try await store.users(tenant: "fabrikam").isEmpty)
                #expect(try await store.meetings(tenant: "fabrikam").isEmpty)
                #expect(try await store.registrations(tenant: "fabrikam", user: "carol", now: 1000).isEmpty)
                #expect(try await store.purgeExpiredRegistrations(now: 10_000) == 0)
            }
        }

        @Test("a user of an undeclared tenant fails the whole call and leaves the database as it was", arguments: StoreKind.allCases)
        func failureChangesNothing(_ kind: StoreKind) async throws {
            try await withStore(kind) { store, location in
                try await store.applyConfiguration(
                    tenants: [Fixtures.tenant("contoso")], users: [Fixtures.user("contoso", "alice")],
                    meetings: [Fixtures.meeting("contoso", "weekly")])

                // By the time mallory is reached, fabrikam is written and contoso deleted: all of it must roll back.
                let error = await #expect(throws: FocusStoreError.self) {
                    try await store.applyConfiguration(
                        tenants: [Fixtures.tenant("fabrikam")], users: [Fixtures.user("nowhere", "mallory")], meetings: [])
                }
                #expect(error?.reason.contains("tenant nowhere") == true)
                #expect(error?.reason.contains(location.label) == true)
                #expect(try await store.tenants() == [Fixtures.tenant("contoso")])
                #expect(try await store.users(tenant: "contoso") == [Fixtures.user("contoso", "alice")])
                #expect(try await store.meetings(tenant: "contoso").map(\.id) == ["weekly"])
            }
        }
    }
}
