import Focus
import Testing

extension FocusStoreSuites {
    @Suite("Registrations")
    struct RegistrationTests {
        /// A fresh store of `kind` holding alice in two tenants.
        private func withAlice(_ kind: StoreKind, _ body: (any FocusStore) async throws -> Void) async throws {
            try await withStore(kind) { store, _ in
                try await store.applyConfiguration(
                    tenants: [Fixtures.tenant("contoso"), Fixtures.tenant("fabrikam")],
                    users: [Fixtures.user("contoso", "alice"), Fixtures.user("fabrikam", "alice")], meetings: [])
                try await body(store)
            }
        }

        @Test("saving the same contact again refreshes the binding instead of adding one", arguments: StoreKind.allCases)
        func refreshReplaces(_ kind: StoreKind) async throws {
            try await withAlice(kind) { store in
                let desk = Fixtures.registration("contoso", "alice", contact: "sip:alice@192.0.2.1:5060", cseq: 1, expires: 1100)
                let phone = Fixtures.registration("contoso", "alice", contact: "sip:alice@192.0.2.2:5060", cseq: 1, expires: 1100)
                try await store.saveRegistration(desk)
                try await store.saveRegistration(phone)
                var refreshed = desk
                refreshed.cseq = 2
                refreshed.expires = 4600
                try await store.saveRegistration(refreshed)

                #expect(try await store.registrations(tenant: "contoso", user: "alice", now: 1000) == [refreshed, phone])
                // Same user name in another tenant: a different user.
                #expect(try await store.registrations(tenant: "fabrikam", user: "alice", now: 1000).isEmpty)
            }
        }

        @Test("only bindings live at now are returned; purge deletes the others and counts them", arguments: StoreKind.allCases)
        func expiry(_ kind: StoreKind) async throws {
            try await withAlice(kind) { store in
                let lapsed = Fixtures.registration("contoso", "alice", contact: "sip:a@192.0.2.1", expires: 999)
                let atNow = Fixtures.registration("contoso", "alice", contact: "sip:a@192.0.2.2", expires: 1000)
                let live = Fixtures.registration("contoso", "alice", contact: "sip:a@192.0.2.3", expires: 1000.5)
                let otherTenant = Fixtures.registration("fabrikam", "alice", contact: "sip:a@192.0.2.4", expires: 10)
                for registration in [lapsed, atNow, live, otherTenant] {
                    try await store.saveRegistration(registration)
                }

                #expect(try await store.registrations(tenant: "contoso", user: "alice", now: 1000) == [live])
                #expect(try await store.registrations(tenant: "contoso", user: "alice", now: 0).count == 3)
                #expect(try await store.purgeExpiredRegistrations(now: 1000) == 3)
                #expect(try await store.purgeExpiredRegistrations(now: 1000) == 0)
                #expect(try await store.registrations(tenant: "contoso", user: "alice", now: 0) == [live])
            }
        }

        @Test("remove deletes one contact, or every contact of the user when none is named", arguments: StoreKind.allCases)
        func remove(_ kind: StoreKind) async throws {
            try await withAlice(kind) { store in
                let one = Fixtures.registration("contoso", "alice", contact: "sip:a@192.0.2.1", expires: 5000)
                let two = Fixtures.registration("contoso", "alice", contact: "sip:a@192.0.2.2", expires: 5000)
                let three = Fixtures.registration("contoso", "alice", contact: "sip:a@192.0.2.3", expires: 5000)
                let elsewhere = Fixtures.registration("fabrikam", "alice", contact: "sip:a@192.0.2.1", expires: 5000)
                for registration in [one, two, three, elsewhere] {
                    try await store.saveRegistration(registration)
                }

                try await store.removeRegistrations(tenant: "contoso", user: "alice", contact: "sip:a@192.0.2.2")
                #expect(try await store.registrations(tenant: "contoso", user: "alice", now: 0) == [one, three])
                try await store.removeRegistrations(tenant: "contoso", user: "alice", contact: nil)
                #expect(try await store.registrations(tenant: "contoso", user: "alice", now: 0).isEmpty)
                #expect(try await store.registrations(tenant: "fabrikam", user: "alice", now: 0) == [elsewhere])
            }
        }

        @Test("a registration in a tenant that does not exist throws", arguments: StoreKind.allCases)
        func unknownTenant(_ kind: StoreKind) async throws {
            try await withAlice(kind) { store in
                let error = await #expect(throws: FocusStoreError.self) {
                    try await store.saveRegistration(Fixtures.registration("nowhere", "alice", contact: "sip:a@192.0.2.1", expires: 5))
                }
                #expect(error?.reason.hasSuffix("tenant nowhere does not exist") == true)
            }
        }
    }
}
