import Focus
import MCUControl
import SIP
import Testing

/// The focus's timers on a test clock: each fires when the test advances time to it, not a second earlier, and no
/// test waits for real seconds to pass.
@Suite("Focus on a fake MCU: timers on a test clock", .timeLimit(.minutes(1)))
struct FocusTimerTests {
    /// Tenant "lobbyco": anonymous callers wait in the lobby of "room" (organizer olga); "board" needs a PIN.
    static func settings(lobbyTimeoutSeconds: Int = 600) -> FocusConfiguration {
        var settings = FocusConfiguration()
        settings.limits.lobbyTimeoutSeconds = lobbyTimeoutSeconds
        var tenant = TenantConfiguration(id: "lobbyco")
        tenant.domains = ["lobby.test"]
        tenant.policy.lobby = .anonymous
        tenant.users = [UserConfiguration(name: "olga", password: "olga-pw")]
        var room = MeetingConfiguration(id: "room")
        room.organizer = "olga"
        var board = MeetingConfiguration(id: "board")
        board.passcode = "1357"
        board.policy = MeetingPolicyOverrides(lobby: .off)
        tenant.meetings = [room, board]
        settings.tenants = [tenant]
        return settings
    }

    static let room = ConferenceID(tenant: "lobbyco", meeting: "room")

    /// How long to look for something that must not happen after a step of the clock (real time).
    static let settle = Duration.milliseconds(200)

    @Test("a lobby wait ends at lobbyTimeoutSeconds: the lobby-timeout prompt, and the BYE when the MCU reports it finished")
    func lobbyTimeout() async throws {
        try await withFocusBed(Self.settings(lobbyTimeoutSeconds: 600)) { bed in
            let phone = try await bed.phone(host: "127.0.0.2")
            let call = try await phone.call("sip:room@lobby.test", port: bed.port).get()
            let endpoint = try #require(await bed.endpoint(of: call))
            let armed = await bed.clock.waitUntilArmed(seconds: 600)
            let lobbyPrompt = bed.mcu.calls.first { if case .playAnnouncement = $0 { true } else { false } }
            await bed.clock.advance(seconds: 599)
            let early = await eventually(timeout: Self.settle) { bed.mcu.promptsPlayed.contains(Prompt.lobbyTimeout.fileName) }
            await bed.clock.advance(seconds: 1)
            let prompted = await eventually { bed.mcu.promptsPlayed.last == Prompt.lobbyTimeout.fileName }
            let byeDuringPrompt = phone.receivedBye(call)
            bed.mcu.emit(.announcementFinished(Self.room, endpoint, prompt: "prompts/\(Prompt.lobbyTimeout.fileName)"))
            let bye = await phone.waitForBye(call)
            let removed = await eventually { bed.mcu.calls.contains(.removeEndpoint(Self.room, endpoint)) }

            guard case .playAnnouncement(let request)? = lobbyPrompt else {
                Issue.record("no lobby prompt")
                return
            }
            #expect(request.prompt.hasSuffix(Prompt.lobby.fileName) && request.loop, "the lobby prompt loops while they wait")
            #expect(armed)
            #expect(!early, "the lobby wait ended before lobbyTimeoutSeconds")
            #expect(prompted && !byeDuringPrompt, "the timeout prompt plays before the BYE")
            #expect(bye && removed)
        }
    }

    @Test("a last prompt whose end the MCU never reports: the BYE goes after the farewell limit (20 s), not before")
    func farewellLimit() async throws {
        try await withFocusBed(Self.settings(lobbyTimeoutSeconds: 90)) { bed in
            let phone = try await bed.phone(host: "127.0.0.2")
            let call = try await phone.call("sip:room@lobby.test", port: bed.port).get()
            _ = await bed.clock.waitUntilArmed(seconds: 90)
            await bed.clock.advance(seconds: 90)
            let prompted = await eventually { bed.mcu.promptsPlayed.last == Prompt.lobbyTimeout.fileName }
            let armed = await bed.clock.waitUntilArmed(seconds: 20)
            await bed.clock.advance(seconds: 19)
            let early = await phone.waitForBye(call, timeout: Self.settle)
            await bed.clock.advance(seconds: 1)
            let bye = await phone.waitForBye(call)
            #expect(prompted && armed)
            #expect(!early, "hung up before the farewell limit")
            #expect(bye, "hung up at the farewell limit")
        }
    }

    @Test("a caller who types no correct PIN within 60 s is hung up; one who typed it is not")
    func pinTimeout() async throws {
        try await withFocusBed(Self.settings()) { bed in
            let phone = try await bed.phone(host: "127.0.0.2")
            let idle = try await phone.call("sip:board@lobby.test", port: bed.port).get()
            let typing = try await phone.call("sip:board@lobby.test", port: bed.port).get()
            let typist = try #require(await bed.endpoint(of: typing))
            // Three timers of 60 s: the two PIN timeouts and the registration purge's.
            let armed = await bed.clock.waitUntilArmed(seconds: 60, count: 3)
            for digit in "1357#" { bed.mcu.emit(.dtmf(ConferenceID(tenant: "lobbyco", meeting: "board"), typist, digit: String(digit))) }
            let conference = try #require(bed.focus.liveConference(tenant: "lobbyco", id: "board"))
            let admitted = await eventually { await conference.roster.contains { $0.endpoint == typist && $0.isInMix } }
            await bed.clock.advance(seconds: 59)
            let early = await phone.waitForBye(idle, timeout: Self.settle)
            await bed.clock.advance(seconds: 1)
            let bye = await phone.waitForBye(idle)
            let typistKept = await phone.waitForBye(typing, timeout: Self.settle) == false
            _ = try? await typing.dialog.bye()
            #expect(armed && admitted)
            #expect(!early, "hung up before 60 s")
            #expect(bye, "no PIN in 60 s: BYE")
            #expect(typistKept, "the caller who typed the PIN stays")
        }
    }

    @Test("an empty conference that someone joins during its grace period stays on the MCU")
    func graceKeepsARejoinedConference() async throws {
        try await withFocusBed(FocusJoinFlowTests.settings(), graceSeconds: 10) { bed in
            let phone = try await bed.phone(host: "127.0.0.2")
            let first = try await phone.call("sip:room@acme.test", port: bed.port).get()
            _ = try await first.dialog.bye()
            let armed = await bed.clock.waitUntilArmed(seconds: 10)
            await bed.clock.advance(seconds: 5)
            let second = try await phone.call("sip:room@acme.test", port: bed.port).get()
            await bed.clock.advance(seconds: 5)
            let removed = await eventually(timeout: Self.settle) { bed.mcu.callNames.contains("removeConference") }
            let live = bed.focus.liveConference(tenant: "acme", id: "room")
            let roster = await live?.roster.count
            _ = try? await second.dialog.bye()
            #expect(armed)
            #expect(!removed, "the grace timer removed a conference that has a participant again")
            #expect(roster == 1)
        }
    }
}
