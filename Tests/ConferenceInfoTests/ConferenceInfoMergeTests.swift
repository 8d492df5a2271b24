import ConferenceInfo
import Testing

@Suite("Applying partial notifications (RFC 4575 §4.6)")
struct ConferenceInfoMergeTests {
    @Test("A user who joins arrives as <user state=\"full\">, the count as a conference-state field")
    func userJoins() throws {
        let partial = ConferenceInfoDocument.partial(
            entity: Fixtures.conference, version: 2, conferenceState: ConferenceState(userCount: 3), users: [Fixtures.carolUser])
        let merged = try Fixtures.meeting.applying(partial)
        #expect(merged.version == 2 && merged.state == .full)
        #expect(merged.userList.map(\.entity) == [Fixtures.alice, Fixtures.bob, Fixtures.carol])
        #expect(merged.conferenceState == ConferenceState(userCount: 3, active: true, locked: false))
        #expect(merged.description == Fixtures.meeting.description)
    }

    @Test("<user state=\"deleted\"/> removes the user; a deleted user that is not held changes nothing")
    func userLeaves() throws {
        let partial = ConferenceInfoDocument.partial(
            entity: Fixtures.conference, version: 2, conferenceState: ConferenceState(userCount: 1),
            users: [.deleted(Fixtures.bob), .deleted("sip:nobody@example.com")])
        let merged = try Fixtures.meeting.applying(partial)
        #expect(merged.userList == [Fixtures.aliceUser])
        #expect(merged.conferenceState?.userCount == 1)
    }

    @Test("A partial user and endpoint merge field by field; media merge by id")
    func partialUserMerges() throws {
        let endpoint = ConferenceEndpoint(
            entity: "sip:bob@198.51.100.7:5062", state: .partial, status: .connected,
            media: [EndpointMedia(id: "1", status: .sendrecv), EndpointMedia(id: "2", type: "video", ssrc: 99)])
        let user = ConferenceUser(entity: Fixtures.bob, state: .partial, roles: ["presenter"], endpoints: [endpoint])
        let merged = try Fixtures.meeting.applying(.partial(entity: Fixtures.conference, version: 2, users: [user]))
        let bob = try #require(merged.users?[entity: Fixtures.bob])
        #expect(bob.displayText == "Bob Example" && bob.roles == ["presenter"] && bob.state == .full)
        let merged0 = try #require(bob.endpoints.first)
        #expect(merged0.status == .connected && merged0.joiningMethod == .dialedIn && merged0.state == .full)
        #expect(merged0.media == [
            EndpointMedia(id: "1", type: "audio", ssrc: 42, label: "audio-1", status: .sendrecv),
            EndpointMedia(id: "2", type: "video", ssrc: 99),
        ])
    }

    @Test("A full <users> replaces the roster; a partial URI list merges by uri")
    func fullUsersAndURIs() throws {
        var partial = ConferenceInfoDocument.partial(
            entity: Fixtures.conference, version: 2,
            description: ConferenceDescription(confURIs: URIList(state: .partial, [
                URIEntry(uri: "tel:+15555550100;postd=pp123", displayText: "Phone"),
                URIEntry(uri: "sips:weekly-sync@acme.consort.example", purpose: "participation"),
            ])))
        partial.users = ConferenceUsers(state: .full, [Fixtures.carolUser])
        let merged = try Fixtures.meeting.applying(partial)
        #expect(merged.userList == [Fixtures.carolUser])
        #expect(merged.description?.confURIs?.entries.map(\.uri) == [
            "sip:weekly-sync@acme.consort.example", "tel:+15555550100;postd=pp123", "sips:weekly-sync@acme.consort.example",
        ])
        #expect(merged.description?.confURIs?.entries[1].displayText == "Phone")
        #expect(merged.description?.subject == "Roadmap review")
    }

    @Test("The version must be exactly one higher", arguments: [UInt32(1), 0, 3, 1000])
    func versionMustFollow(version: UInt32) {
        let partial = ConferenceInfoDocument.partial(entity: Fixtures.conference, version: version, conferenceState: ConferenceState(locked: true))
        #expect(throws: ConferenceInfoError(.versionMismatch, "")) { try Fixtures.meeting.applying(partial) }
    }

    @Test("Only partial on full, and only for the same conference")
    func notApplicable() {
        let notApplicable = ConferenceInfoError(.notApplicable, "")
        var full = Fixtures.meeting
        full.version = 2
        #expect(throws: notApplicable) { try Fixtures.meeting.applying(full) }
        let partial = ConferenceInfoDocument.partial(entity: Fixtures.conference, version: 2)
        #expect(throws: notApplicable) { try partial.applying(ConferenceInfoDocument.partial(entity: Fixtures.conference, version: 3)) }
        let other = ConferenceInfoDocument.partial(entity: "sip:other@example.com", version: 2)
        #expect(throws: notApplicable) { try Fixtures.meeting.applying(other) }
    }

    @Test("changes(to:) says only what changed, and applying it gives the newer roster")
    func changesToNewer() throws {
        let old = Fixtures.meeting
        var bob = Fixtures.bobUser
        bob.endpoints[0].status = .connected
        let newer = ConferenceInfoDocument.full(
            entity: Fixtures.conference, version: 99, description: Fixtures.description,
            hostInfo: old.hostInfo, active: true, locked: false, users: [Fixtures.aliceUser, bob, Fixtures.carolUser])
        let partial = try #require(old.changes(to: newer))
        #expect(partial.state == .partial && partial.version == 2)
        #expect(partial.description == nil && partial.hostInfo == nil)
        #expect(partial.conferenceState == ConferenceState(userCount: 3))
        #expect(partial.userList.map(\.entity) == [Fixtures.bob, Fixtures.carol])
        #expect(partial.userList.allSatisfy { $0.state == .full })
        var expected = newer
        expected.version = 2
        #expect(try old.applying(partial) == expected)
        #expect(old.changes(to: old) == nil)
    }

    @Test("changes(to:) falls back to a full document when a partial one cannot say it")
    func changesFallBackToFull() throws {
        let old = Fixtures.meeting
        var newer = old
        newer.description?.subject = nil
        let update = try #require(old.changes(to: newer))
        #expect(update.state == .full && update.version == 2 && update.description?.subject == nil)
        var reordered = old
        reordered.users?.users.reverse()
        #expect(old.changes(to: reordered)?.state == .full)
    }
}
