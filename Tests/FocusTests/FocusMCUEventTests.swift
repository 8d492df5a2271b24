import Focus
import MCUControl
import SIP
import Testing

/// What the focus does with the MCU's events: a silent caller is hung up, DTMF digits make a PIN, a prompt's end
/// moves a caller on, and one conference's events are handled in order without holding up another's.
@Suite("Focus on a fake MCU: the MCU's events", .timeLimit(.minutes(1)))
struct FocusMCUEventTests {
    static let pin = "2468"

    /// Tenant "calm": meeting "board" needs the PIN (no lobby), meeting "desk" too; tenant "busy" takes anyone.
    static func settings() -> FocusConfiguration {
        var settings = FocusConfiguration()
        var calm = TenantConfiguration(id: "calm")
        calm.domains = ["calm.test"]
        var board = MeetingConfiguration(id: "board")
        board.passcode = pin
        var desk = MeetingConfiguration(id: "desk")
        desk.passcode = pin
        calm.meetings = [board, desk]
        var busy = TenantConfiguration(id: "busy")
        busy.domains = ["busy.test"]
        settings.tenants = [calm, busy]
        return settings
    }

    static let board = ConferenceID(tenant: "calm", meeting: "board")

    /// Emits `digits` as the MCU reports them: one `.dtmf` event per key.
    static func type(_ digits: String, on mcu: RecordingMCU, _ conference: ConferenceID, _ endpoint: EndpointID) {
        for digit in digits { mcu.emit(.dtmf(conference, endpoint, digit: String(digit))) }
    }

    @Test("mediaTimeout: the focus sends the silent caller a BYE, removes its endpoint and its roster entry")
    func mediaTimeoutHangsUp() async throws {
        try await withFocusBed(Self.settings()) { bed in
            let phone = try await bed.phone(host: "127.0.0.2")
            let call = try await phone.call("sip:room@busy.test", port: bed.port).get()
            let endpoint = try #require(await bed.endpoint(of: call))
            let room = ConferenceID(tenant: "busy", meeting: "room")
            bed.mcu.emit(.mediaTimeout(room, endpoint, seconds: 30))
            let bye = await phone.waitForBye(call)
            let removed = await eventually { bed.mcu.calls.contains(.removeEndpoint(room, endpoint)) }
            let participants = bed.focus.participantCount
            #expect(bye, "the focus hung up on the silent caller")
            #expect(removed)
            #expect(participants == 0)
        }
    }

    @Test("a mediaTimeout for an endpoint the focus does not hold changes nothing")
    func mediaTimeoutForUnknownEndpoint() async throws {
        try await withFocusBed(Self.settings()) { bed in
            let phone = try await bed.phone(host: "127.0.0.2")
            let call = try await phone.call("sip:room@busy.test", port: bed.port).get()
            let room = ConferenceID(tenant: "busy", meeting: "room")
            // The first participant's greeting is the last call the join makes.
            _ = await eventually { bed.mcu.promptsPlayed == [Prompt.firstParticipant.fileName] }
            let before = bed.mcu.calls.count
            bed.mcu.emit(.mediaTimeout(room, EndpointID("ep-not-ours"), seconds: 30))
            bed.mcu.emit(.mediaTimeout(ConferenceID(tenant: "calm", meeting: "room"), EndpointID("ep-x"), seconds: 30))
            let hungUp = await phone.waitForBye(call, timeout: .milliseconds(300))
            let after = bed.mcu.calls.count
            _ = try? await call.dialog.bye()
            #expect(!hungUp && after == before)
        }
    }

    @Test("the right PIN by DTMF: answered isolated with the PIN prompt, then the prompt stops and the caller enters the mix")
    func rightPIN() async throws {
        try await withFocusBed(Self.settings()) { bed in
            let phone = try await bed.phone(host: "127.0.0.2")
            let call = try await phone.call("sip:board@calm.test", port: bed.port).get()
            let endpoint = try #require(await bed.endpoint(of: call))
            let conference = try #require(bed.focus.liveConference(tenant: "calm", id: "board"))
            let prompted = await eventually { bed.mcu.promptsPlayed == [Prompt.enterPIN.fileName] }
            let waiting = await conference.roster.first?.status
            Self.type("\(Self.pin)#", on: bed.mcu, Self.board, endpoint)
            let admitted = await eventually { await conference.roster.first?.status == .connected }
            let calls = bed.mcu.calls
            _ = try? await call.dialog.bye()

            #expect(bed.mcu.addedEndpoints.first?.mode == .isolated, "typing the PIN, the caller is isolated at the MCU")
            #expect(prompted && waiting == .pending)
            #expect(admitted)
            let stop = calls.firstIndex(of: .stopAnnouncement(Self.board, endpoint))
            let admit = calls.firstIndex(of: .modifyEndpoint(ModifyEndpointRequest(conference: Self.board, endpoint: endpoint, muted: false, mode: .conference)))
            #expect(stop != nil && admit != nil && (stop ?? 0) < (admit ?? 0), "the PIN prompt stops, then the caller joins the mix: \(calls)")
        }
    }

    @Test("a wrong PIN plays wrong-pin then the PIN prompt again; '*' starts the entry over; the caller stays isolated")
    func wrongPINThenRetry() async throws {
        try await withFocusBed(Self.settings()) { bed in
            let phone = try await bed.phone(host: "127.0.0.2")
            let call = try await phone.call("sip:board@calm.test", port: bed.port).get()
            let endpoint = try #require(await bed.endpoint(of: call))
            let conference = try #require(bed.focus.liveConference(tenant: "calm", id: "board"))
            Self.type("1111#", on: bed.mcu, Self.board, endpoint)
            let told = await eventually { bed.mcu.promptsPlayed.last == Prompt.wrongPIN.fileName }
            bed.mcu.emit(.announcementFinished(Self.board, endpoint, prompt: "/prompts/\(Prompt.wrongPIN.fileName)"))
            let askedAgain = await eventually { bed.mcu.promptsPlayed.count == 3 }
            let prompts = bed.mcu.promptsPlayed
            let stillWaiting = await conference.roster.first?.status == .pending
            // A mistyped digit, cancelled with '*': the right PIN still counts.
            Self.type("9*\(Self.pin)#", on: bed.mcu, Self.board, endpoint)
            let admitted = await eventually { await conference.roster.first?.status == .connected }
            _ = try? await call.dialog.bye()
            #expect(told && askedAgain)
            #expect(prompts == [Prompt.enterPIN.fileName, Prompt.wrongPIN.fileName, Prompt.enterPIN.fileName], "\(prompts)")
            #expect(stillWaiting && admitted)
        }
    }

    @Test("PIN guessing: wrong PINs count per source and meeting across calls; past the budget the call ends after the prompt, and the source is refused 403")
    func pinBudget() async throws {
        var settings = Self.settings()
        settings.limits.secretFailuresPerSource = 2
        settings.passcodeAttempts = 3
        try await withFocusBed(settings) { bed in
            let guesser = try await bed.phone(host: "127.0.0.3"), other = try await bed.phone(host: "127.0.0.4")
            let call = try await guesser.call("sip:board@calm.test", port: bed.port).get()
            let endpoint = try #require(await bed.endpoint(of: call))
            Self.type("1111#", on: bed.mcu, Self.board, endpoint)
            Self.type("2222#", on: bed.mcu, Self.board, endpoint)
            // Two wrong PINs reach the source's budget though three tries were allowed per call: the farewell prompt plays.
            let farewell = await eventually { bed.mcu.promptsPlayed.last == Prompt.wrongPIN.fileName && bed.mcu.promptsPlayed.count == 3 }
            let byeBeforePromptEnded = guesser.receivedBye(call)
            bed.mcu.emit(.announcementFinished(Self.board, endpoint, prompt: "/prompts/\(Prompt.wrongPIN.fileName)"))
            let bye = await guesser.waitForBye(call)
            let again = await guesser.call("sip:board@calm.test", port: bed.port)
            let fromOther = await other.call("sip:board@calm.test", port: bed.port)
            if case .success(let c) = fromOther { _ = try? await c.dialog.bye() }

            #expect(farewell && !byeBeforePromptEnded, "the BYE waits for the prompt's end")
            #expect(bye, "the guessing call was ended at the budget")
            guard case .failure(let error) = again else {
                Issue.record("the guessing source was let in again")
                return
            }
            #expect(error.response?.statusCode == 403 && error.response?.reason.contains("wrong PINs") == true, "\(error)")
            #expect(fromOther.status == 200, "another address may still call")
        }
    }

    @Test("self-mute events show in the roster")
    func selfMute() async throws {
        try await withFocusBed(Self.settings()) { bed in
            let phone = try await bed.phone(host: "127.0.0.2")
            let call = try await phone.call("sip:room@busy.test", port: bed.port).get()
            let endpoint = try #require(await bed.endpoint(of: call))
            let room = ConferenceID(tenant: "busy", meeting: "room")
            let conference = try #require(bed.focus.liveConference(tenant: "busy", id: "room"))
            bed.mcu.emit(.selfMute(room, endpoint, muted: true))
            let muted = await eventually { await conference.roster.first?.selfMuted == true }
            bed.mcu.emit(.selfMute(room, endpoint, muted: false))
            let unmuted = await eventually { await conference.roster.first?.selfMuted == false }
            _ = try? await call.dialog.bye()
            #expect(muted && unmuted)
        }
    }

    @Test("one conference's events are handled in order, one at a time; another conference's do not wait for them")
    func eventsInOrderPerConference() async throws {
        try await withFocusBed(Self.settings()) { bed in
            let phone = try await bed.phone(host: "127.0.0.2")
            let pinCall = try await phone.call("sip:board@calm.test", port: bed.port).get()
            let pinEndpoint = try #require(await bed.endpoint(of: pinCall))
            let other = try await phone.call("sip:room@busy.test", port: bed.port).get()
            let otherEndpoint = try #require(await bed.endpoint(of: other))
            let busyRoom = ConferenceID(tenant: "busy", meeting: "room")
            _ = await eventually { bed.mcu.promptsPlayed.contains(Prompt.enterPIN.fileName) }

            // The right PIN: handling '#' stops the PIN prompt, and the MCU takes its time to answer that call.
            bed.mcu.holdStops()
            Self.type("\(Self.pin)#", on: bed.mcu, Self.board, pinEndpoint)
            let holding = await eventually { bed.mcu.calls.contains(.stopAnnouncement(Self.board, pinEndpoint)) }
            // Meanwhile the same caller's media times out, and so does a caller in another conference.
            bed.mcu.emit(.mediaTimeout(Self.board, pinEndpoint, seconds: 30))
            bed.mcu.emit(.mediaTimeout(busyRoom, otherEndpoint, seconds: 30))
            let otherHungUp = await phone.waitForBye(other)
            let pinCallerKept = !phone.receivedBye(pinCall) && !bed.mcu.calls.contains(.removeEndpoint(Self.board, pinEndpoint))
            bed.mcu.releaseStops()
            let pinCallerHungUp = await phone.waitForBye(pinCall)
            let calls = bed.mcu.calls

            #expect(holding)
            #expect(otherHungUp, "another conference's event was handled while the first conference's waited")
            #expect(pinCallerKept, "the timeout waited for the PIN's handling to finish")
            #expect(pinCallerHungUp)
            let admit = calls.firstIndex { if case .modifyEndpoint(let r) = $0 { r.endpoint == pinEndpoint && r.mode == .conference } else { false } }
            let removal = calls.firstIndex(of: .removeEndpoint(Self.board, pinEndpoint))
            #expect(admit != nil && removal != nil && (admit ?? 0) < (removal ?? 0), "admitted, then hung up, in the order the events came: \(calls)")
        }
    }

    @Test("conferenceMoved (a pool moved the conference to another MCU): each participant is added again without an offer, re-INVITEd with the new offer, its answer applied; the roster stays")
    func conferenceMoved() async throws {
        try await withFocusBed(Self.settings()) { bed in
            let phone = try await bed.phone(host: "127.0.0.2")
            await phone.answerReinvites()
            let room = ConferenceID(tenant: "busy", meeting: "room")
            let call = try await phone.call("sip:room@busy.test", port: bed.port, offer: TestPhone.offer(host: "127.0.0.2", port: 41_000)).get()
            let endpoint = try #require(await bed.endpoint(of: call))
            let conference = bed.focus.liveConference(tenant: "busy", id: "room")
            _ = await eventually { await conference?.roster.first?.status == .connected }
            let before = await conference?.roster ?? []

            bed.mcu.emit(.conferenceMoved(room))
            let answered = await eventually {
                bed.mcu.calls.contains { call in
                    guard case .modifyEndpoint(let request) = call else { return false }
                    return request.answer != nil
                }
            }
            let readded = bed.mcu.addedEndpoints.filter { $0.endpoint == endpoint }
            let after = await conference?.roster ?? []
            let offers = phone.reinviteOffers
            let applied = bed.mcu.calls.compactMap { call -> ModifyEndpointRequest? in
                guard case .modifyEndpoint(let request) = call, request.answer != nil else { return nil }
                return request
            }
            _ = try? await call.dialog.bye()

            #expect(answered, "the phone's answer reached the MCU: \(bed.mcu.callNames)")
            #expect(readded.count == 2 && readded.last?.offer == nil, "added again, without an offer: \(readded)")
            #expect(readded.last?.mode == .conference && readded.last?.label == readded.first?.label)
            #expect(readded.last?.signallingSource == "127.0.0.2")
            #expect(offers.count == 1 && offers.first?.contains("m=audio") == true, "the new MCU's offer in a re-INVITE: \(offers)")
            #expect(applied.first?.endpoint == endpoint && applied.first?.answer?.contains("c=IN IP4 127.0.0.2") == true)
            #expect(after.map(\.endpoint) == before.map(\.endpoint) && after.first?.status == .connected, "the roster stays")
            #expect(!phone.receivedBye(call), "nobody was hung up")
        }
    }
}
