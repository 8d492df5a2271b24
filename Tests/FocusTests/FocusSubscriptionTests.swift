import ConferenceInfo
import Focus
import SIP
import SIPWire
import Synchronization
import Testing

/// The conference event package's answers, refreshes, expiry and NOTIFY coalescing, with the focus's time on a test
/// clock (moved from ConsortTests, where expiry waited real seconds).
@Suite("Focus on a fake MCU: conference subscriptions", .timeLimit(.minutes(1)))
struct FocusSubscriptionTests {
    /// The NOTIFYs a subscriber received: Subscription-State and body.
    final class Notifications: Sendable {
        private let received = Mutex<[(state: String, body: String)]>([])
        var all: [(state: String, body: String)] { received.withLock { $0 } }
        var documents: [(state: String, body: String)] { all.filter { !$0.body.isEmpty } }
        func add(_ state: String, _ body: String) { received.withLock { $0.append((state, body)) } }

        /// Starts recording (and answering 200) the NOTIFYs `phone` receives.
        static func record(on phone: TestPhone) async -> Notifications {
            let notifications = Notifications()
            await phone.agent.setHandler(.notify) { incoming in
                notifications.add(incoming.request.headers["Subscription-State"] ?? "", String(decoding: incoming.request.body, as: UTF8.self))
                await incoming.respond(200)
            }
            return notifications
        }
    }

    static func subscribe(_ phone: TestPhone, _ uri: String, port: Int, expires: Int) async throws -> (SIPResponse, SIPDialogHandle?) {
        let peer = try SIPPeer(transport: .udp, ipAddress: "127.0.0.1", port: port)
        return try await phone.agent.requestDialog(
            .subscribe, to: try #require(SIPURI(uri)), headers: [("Event", "conference"), ("Expires", "\(expires)")], via: peer)
    }

    @Test("a SUBSCRIBE gets the answer an INVITE would: 404 for another tenant's meeting, 489 for another event, 401 where members only")
    func refusedLikeInvite() async throws {
        var settings = FocusHostileCallerTests.acme()
        var globex = TenantConfiguration(id: "globex")
        globex.domains = ["globex.test"]
        globex.policy.adHocMeetings = false
        var secret = MeetingConfiguration(id: "private")
        secret.organizer = "carol"
        globex.users = [UserConfiguration(name: "carol", password: "carol-pw")]
        globex.meetings = [secret]
        settings.tenants.append(globex)
        try await withFocusBed(settings) { bed in
            let phone = try await bed.phone()
            let peer = try SIPPeer(transport: .udp, ipAddress: "127.0.0.1", port: bed.port)
            func subscribe(_ uri: String, event: String) async throws -> SIPResponse {
                try await phone.agent.request(.subscribe, to: try #require(SIPURI(uri)), headers: [("Event", event), ("Expires", "60")], via: peer)
            }
            let other = try await subscribe("sip:private@acme.test", event: "conference")
            let badEvent = try await subscribe("sip:private@globex.test", event: "presence")
            let membersOnly = try await subscribe("sip:weekly@acme.test", event: "conference")
            #expect(other.statusCode == 404 && other.reason == "Not Found")
            #expect(badEvent.statusCode == 489)
            #expect(membersOnly.statusCode == 401, "acme needs digest, for watching as for joining")
        }
    }

    @Test("a refresh gets a full NOTIFY with the next version; the subscription ends with terminated;reason=timeout when the clock reaches its expiry")
    func refreshAndExpiry() async throws {
        try await withFocusBed { bed in
            let phone = try await bed.phone()
            let notifications = await Notifications.record(on: phone)
            let (response, dialog) = try await Self.subscribe(phone, "sip:room@127.0.0.1", port: bed.port, expires: 2)
            let subscription = try #require(dialog)
            let first = await eventually { notifications.documents.count == 1 }
            let refreshed = try await subscription.request(.subscribe, headers: [("Event", "conference"), ("Expires", "3")])
            let second = await eventually { notifications.documents.count == 2 }
            // The focus checks expiry once a second of its time: two seconds pass, then the third.
            for _ in 0..<2 {
                _ = await bed.clock.waitUntilArmed(seconds: 1)
                await bed.clock.advance(seconds: 1)
            }
            let early = await eventually(timeout: .milliseconds(200)) { notifications.all.contains { $0.state.hasPrefix("terminated") } }
            _ = await bed.clock.waitUntilArmed(seconds: 1)
            await bed.clock.advance(seconds: 1)
            let expired = await eventually { notifications.all.contains { $0.state.hasPrefix("terminated") } }
            let remaining = bed.focus.subscriptions.count
            let all = notifications.all

            #expect(response.statusCode == 200 && response.headers["Expires"] == "2")
            #expect(refreshed.statusCode == 200)
            #expect(first && second)
            // An anonymous subscriber over UDP is first sent a bodiless pending NOTIFY; the roster follows its answer.
            #expect(all.first?.state.hasPrefix("pending") == true && all.first?.body.isEmpty == true, "\(all.map(\.state))")
            #expect(!early, "expired before the refreshed 3 s")
            #expect(expired && remaining == 0)
            let notes = all.filter { !$0.body.isEmpty }
            let versions = notes.compactMap { try? ConferenceInfoDocument(xml: $0.body).version }
            #expect(versions == [1, 2, 3], "initial, refresh, expiry: \(notes.map(\.state))")
            #expect(notes.first?.state.hasPrefix("active;expires=") == true)
            #expect(notes.last?.state == "terminated;reason=timeout")
        }
    }

    @Test("roster changes are gathered for 25 ms of the focus's time: a join's two changes reach a subscriber as one partial NOTIFY")
    func coalescedNotify() async throws {
        try await withFocusBed { bed in
            let watcherPhone = try await bed.phone(host: "127.0.0.2"), caller = try await bed.phone(host: "127.0.0.3")
            let notifications = await Notifications.record(on: watcherPhone)
            _ = try await Self.subscribe(watcherPhone, "sip:room@127.0.0.1", port: bed.port, expires: 600)
            _ = await eventually { notifications.documents.count == 1 }
            let call = try await caller.call("sip:room@127.0.0.1", port: bed.port).get()
            let conference = try #require(bed.focus.liveConference(tenant: "default", id: "room"))
            _ = await eventually { await conference.roster.first?.status == .connected }
            let armed = await bed.clock.waitUntilArmed(seconds: 0.025)
            let beforeTime = await eventually(timeout: .milliseconds(200)) { notifications.documents.count > 1 }
            await bed.clock.advance(seconds: 0.025)
            let sent = await eventually { notifications.documents.count == 2 }
            let documents = notifications.documents
            _ = try? await call.dialog.bye()

            #expect(armed && !beforeTime, "nothing is sent before the coalescing time has passed")
            #expect(sent)
            let partial = try #require(documents.last.flatMap { try? ConferenceInfoDocument(xml: $0.body) })
            #expect(partial.state == .partial && partial.version == 2)
            #expect(partial.userList.count == 1, "the caller, connected, in one NOTIFY")
        }
    }
}
