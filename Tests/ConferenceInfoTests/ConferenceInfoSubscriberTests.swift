import ConferenceInfo
import Testing

@Suite("A subscriber rebuilding the roster from NOTIFY bodies (RFC 4575 §4.6)")
struct ConferenceInfoSubscriberTests {
    /// The focus's successive full views of the meeting.
    static var snapshots: [ConferenceInfoDocument] {
        let start = Fixtures.meeting
        var carolJoined = start
        carolJoined.users?.users.append(Fixtures.carolUser)
        carolJoined.conferenceState?.userCount = 3
        var bobUnmuted = carolJoined
        bobUnmuted.users?.users[1].endpoints[0].status = .connected
        bobUnmuted.users?.users[1].roles = ["presenter"]
        var aliceLeft = bobUnmuted
        aliceLeft.users?.users.removeFirst()
        aliceLeft.conferenceState?.userCount = 2
        aliceLeft.conferenceState?.locked = true
        return [start, carolJoined, bobUnmuted, aliceLeft]
    }

    @Test("A full NOTIFY then partial ones, as XML, rebuild exactly the focus's roster")
    func sequenceRebuildsRoster() throws {
        let snapshots = Self.snapshots
        var sent = snapshots[0]
        var bodies = [sent.xml]
        for next in snapshots.dropFirst() {
            let update = try #require(sent.changes(to: next))
            #expect(update.state == .partial)
            bodies.append(update.xml)
            sent = try sent.applying(update)
        }
        var subscriber = ConferenceInfoSubscriber()
        for body in bodies { #expect(try subscriber.receive(xml: body) == .applied) }
        var expected = snapshots[3]
        expected.version = 4
        #expect(subscriber.document == expected)
        #expect(subscriber.users.map(\.entity) == [Fixtures.bob, Fixtures.carol])
        #expect(subscriber.users[0].roles == ["presenter"])
        #expect(subscriber.document?.conferenceState == ConferenceState(userCount: 2, active: true, locked: true))
    }

    @Test("Stale and duplicate documents are ignored; a gap asks for full state and keeps what is held")
    func versionRules() throws {
        let snapshots = Self.snapshots
        let v2 = try #require(snapshots[0].changes(to: snapshots[1]))
        let v3 = try #require(try snapshots[0].applying(v2).changes(to: snapshots[2]))
        var subscriber = ConferenceInfoSubscriber()
        #expect(subscriber.receive(v2) == .needsFullState)
        #expect(subscriber.document == nil)
        #expect(subscriber.receive(snapshots[0]) == .applied)
        #expect(subscriber.receive(v3) == .needsFullState)
        #expect(subscriber.document?.version == 1)
        #expect(subscriber.receive(v2) == .applied)
        #expect(subscriber.receive(v2) == .stale)
        #expect(subscriber.receive(snapshots[0]) == .stale)
        #expect(subscriber.receive(v3) == .applied)
        #expect(subscriber.users.count == 3)
        // A full document with a higher version replaces whatever is held, gap or not.
        var resync = snapshots[3]
        resync.version = 10
        #expect(subscriber.receive(resync) == .applied)
        #expect(subscriber.users.map(\.entity) == [Fixtures.bob, Fixtures.carol])
        let gone = ConferenceInfoDocument(entity: Fixtures.conference, state: .deleted, version: 11)
        #expect(subscriber.receive(gone) == .ended)
        #expect(subscriber.document == nil)
        #expect(subscriber.receive(.partial(entity: Fixtures.conference, version: 12)) == .needsFullState)
    }
}
