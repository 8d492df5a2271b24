import Focus
import MCUControl
import SIP
import Testing

extension FocusStoreSuites {
    /// The live conferences a restarted focus takes over (Focus+LiveState.swift).
    @Suite("Live conferences")
    struct LiveConferenceTests {
        static let room = ConferenceID(tenant: "contoso", meeting: "standup")

        static func conference(locked: Bool = false, roster: [String] = ["e1", "e2"]) -> LiveConference {
            LiveConference(
                id: room, createdAt: 1_000, locked: locked, adHocOrganizer: "alice", roleOverrides: ["bob": .presenter],
                roster: roster.map {
                    RosterEntry(
                        endpoint: EndpointID($0), uri: "sip:\($0)@contoso.test", displayName: nil, user: nil, role: .attendee,
                        status: .connected, joiningMethod: .dialedIn, joinedAt: 1_001)
                })
        }

        static func participant(_ endpoint: String, cseq: UInt32 = 1) -> LiveParticipant {
            LiveParticipant(
                conference: room, endpoint: EndpointID(endpoint),
                dialog: SIPDialogRecord(
                    callID: "call-\(endpoint)", localTag: "l", remoteTag: "r", isServer: true, localURI: "<sip:standup@contoso.test>;tag=l",
                    remoteURI: "<sip:\(endpoint)@contoso.test>;tag=r", remoteTarget: "sip:\(endpoint)@127.0.0.1:5070", routeSet: [],
                    localCSeq: cseq, remoteCSeq: 2, inviteCSeq: 2, transport: "UDP", peerHost: "127.0.0.1", peerPort: 5070,
                    peerServerName: nil, localContact: "<sip:standup@127.0.0.1:5060>;isfocus", sessionInterval: 1800, weRefresh: false,
                    lastLocalBody: "v=0\r\n", lastLocalContentType: "application/sdp", peerAllowsUpdate: true),
                callID: "call-\(endpoint)", fromTag: "r", source: "127.0.0.2", anonymous: true,
                media: AddEndpointRequest(conference: room, endpoint: EndpointID(endpoint), offer: nil, advertisedAddress: "127.0.0.1"),
                waiting: endpoint == "e2" ? .lobby : nil)
        }

        private func withContoso(_ kind: StoreKind, _ body: (any FocusStore) async throws -> Void) async throws {
            try await withStore(kind) { store, _ in
                try await store.applyConfiguration(tenants: [Fixtures.tenant("contoso")], users: [], meetings: [])
                try await body(store)
            }
        }

        @Test("a conference and its calls read back as written; saving again updates in place and keeps the calls", arguments: StoreKind.allCases)
        func roundTrip(_ kind: StoreKind) async throws {
            try await withContoso(kind) { store in
                try await store.saveLiveConference(Self.conference())
                try await store.saveLiveParticipant(Self.participant("e1"))
                try await store.saveLiveParticipant(Self.participant("e2"))
                try await store.saveLiveParticipant(Self.participant("e1", cseq: 7))
                try await store.saveLiveConference(Self.conference(locked: true))
                #expect(try await store.liveConferences() == [Self.conference(locked: true)])
                #expect(try await store.liveParticipants() == [Self.participant("e1", cseq: 7), Self.participant("e2")])
            }
        }

        @Test("removing a call removes only it; removing the conference removes its calls", arguments: StoreKind.allCases)
        func removal(_ kind: StoreKind) async throws {
            try await withContoso(kind) { store in
                try await store.saveLiveConference(Self.conference())
                try await store.saveLiveParticipant(Self.participant("e1"))
                try await store.saveLiveParticipant(Self.participant("e2"))
                try await store.removeLiveParticipant(Self.room, EndpointID("e1"))
                #expect(try await store.liveParticipants().map(\.endpoint) == [EndpointID("e2")])
                try await store.removeLiveConference(Self.room)
                #expect(try await store.liveConferences().isEmpty)
                #expect(try await store.liveParticipants().isEmpty)
            }
        }

        @Test("a call of a conference that is not stored, or a conference of an unknown tenant, is refused", arguments: StoreKind.allCases)
        func refusals(_ kind: StoreKind) async throws {
            try await withContoso(kind) { store in
                let orphan = await #expect(throws: FocusStoreError.self) { try await store.saveLiveParticipant(Self.participant("e1")) }
                #expect(orphan?.reason.contains("not stored") == true, "\(orphan?.reason ?? "")")
                var foreign = Self.conference()
                foreign.id = ConferenceID(tenant: "nobody", meeting: "x")
                await #expect(throws: FocusStoreError.self) { try await store.saveLiveConference(foreign) }
                // A tenant removed from the configuration takes its live conferences with it.
                try await store.saveLiveConference(Self.conference())
                try await store.saveLiveParticipant(Self.participant("e1"))
                try await store.applyConfiguration(tenants: [], users: [], meetings: [])
                #expect(try await store.liveConferences().isEmpty)
                #expect(try await store.liveParticipants().isEmpty)
            }
        }

        static func subscription(_ call: String, expiresAt: Double = 2_000) -> LiveSubscription {
            var dialog = participant("e1").dialog
            dialog.callID = call
            return LiveSubscription(conference: room, dialog: dialog, version: 3, expiresAt: expiresAt, source: "127.0.0.2")
        }

        @Test("subscriptions read back as written, update in place, go one by one and with their tenant", arguments: StoreKind.allCases)
        func subscriptions(_ kind: StoreKind) async throws {
            try await withContoso(kind) { store in
                try await store.saveLiveSubscription(Self.subscription("s1"))
                try await store.saveLiveSubscription(Self.subscription("s2"))
                try await store.saveLiveSubscription(Self.subscription("s1", expiresAt: 5_000))
                #expect(try await store.liveSubscriptions() == [Self.subscription("s1", expiresAt: 5_000), Self.subscription("s2")])
                try await store.removeLiveSubscription(tenant: "contoso", dialog: Self.subscription("s1").dialog.id)
                #expect(try await store.liveSubscriptions() == [Self.subscription("s2")])
                var foreign = Self.subscription("s3")
                foreign.conference = ConferenceID(tenant: "nobody", meeting: "x")
                await #expect(throws: FocusStoreError.self) { try await store.saveLiveSubscription(foreign) }
                try await store.applyConfiguration(tenants: [], users: [], meetings: [])
                #expect(try await store.liveSubscriptions().isEmpty)
            }
        }
    }
}
