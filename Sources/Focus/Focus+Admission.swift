import Logging
public import MCUControl
import SIP

/// PIN entry, the lobby and the announcements: a caller who must type the meeting's PIN or wait for an organizer is
/// answered with media isolated at the MCU (they hear only prompts, nobody hears them) and enters the mix when the
/// PIN is right and, where a lobby applies, an organizer or presenter admits them.
extension Focus {
    /// Starts listening to the MCU's events (DTMF, finished announcements, media timeouts): each conference's are
    /// handled one at a time in order, and no conference waits for another's.
    func listenToMCU() async {
        await mcu.setEventHandler { [self] event in
            conferenceEvents.enqueue(event.conference) { await self.handle(event) }
        }
    }

    func handle(_ event: MCUEvent) async {
        switch event {
        case .dtmf(let conference, let endpoint, let digit):
            logger.debug("DTMF", metadata: ["meeting": "\(conference)", "endpoint": "\(endpoint)", "digit": "\(digit)"])
            await dtmf(digit, from: AdmissionKey(conference: conference, endpoint: endpoint))
        case .mediaTimeout(let conference, let endpoint, let seconds):
            guard let live = existingConference(conference), await live.entry(endpoint) != nil else { return }
            logger.info("no media from a participant: hanging up", metadata: ["meeting": "\(conference)", "endpoint": "\(endpoint)", "seconds": "\(seconds)"])
            await hangUp(AdmissionKey(conference: conference, endpoint: endpoint), conference: live, reason: "no media for \(seconds) s")
        case .selfMute(let conference, let endpoint, let muted):
            logger.info("self-mute", metadata: ["meeting": "\(conference)", "endpoint": "\(endpoint)", "muted": "\(muted)"])
            await existingConference(conference)?.update(endpoint) { $0.selfMuted = muted }
        case .conferenceMoved(let conference):
            await mediaMoved(conference)
        case .announcementFinished(let conference, let endpoint, let prompt):
            let key = AdmissionKey(conference: conference, endpoint: endpoint)
            if let reason = farewells.withLock({ $0.removeValue(forKey: key) }), let live = existingConference(conference) {
                await hangUp(key, conference: live, reason: reason)
                return
            }
            if prompt.hasSuffix(Prompt.firstParticipant.fileName) {
                greetings.withLock { if $0[conference] == endpoint { $0[conference] = nil } }
            }
            let next = admissions.withLock { table -> Prompt? in
                let prompt = table[key]?.promptAfter
                table[key]?.promptAfter = nil
                return prompt
            }
            if let next { await play(next, to: key) }
        }
    }

    /// Plays a prompt to one endpoint (a missing prompt file is logged, not fatal); false when it could not start.
    @discardableResult
    func play(_ prompt: Prompt, to key: AdmissionKey, loop: Bool = false) async -> Bool {
        let path = "\(configuration.focus.promptDirectory)/\(prompt.fileName)"
        do {
            try await mcu.playAnnouncement(AnnouncementRequest(conference: key.conference, endpoint: key.endpoint, prompt: path, loop: loop))
            return true
        } catch {
            logger.warning("cannot play a prompt", metadata: ["prompt": "\(path)", "reason": "\(error.reason)"])
            return false
        }
    }

    /// Plays a last prompt, then hangs up when the MCU reports it finished (`announcementFinished`): no guess of how
    /// long it lasts. At once when it cannot play; after `farewellLimitSeconds` if the report never comes.
    func sayGoodbye(_ key: AdmissionKey, conference: FocusConference, prompt: Prompt, reason: String) async {
        admissions.withLock { $0[key]?.closing = true }
        farewells.withLock { $0[key] = reason }
        await mcu.stopAnnouncement(key.conference, key.endpoint)
        guard await play(prompt, to: key) else {
            farewells.withLock { _ = $0.removeValue(forKey: key) }
            await hangUp(key, conference: conference, reason: reason)
            return
        }
        work.start { [self] in
            guard await work.sleep(seconds: Self.farewellLimitSeconds) else { return }
            guard let reason = farewells.withLock({ $0.removeValue(forKey: key) }) else { return }
            await hangUp(key, conference: conference, reason: reason)
        }
    }

    /// The longest a last prompt may play before the BYE goes anyway.
    static var farewellLimitSeconds: Double { 20 }

    /// After the 200 OK: a caller who must type the PIN hears the PIN prompt; one who waits hears the lobby prompt.
    func beginAdmission(_ key: AdmissionKey, _ admission: Admission) async {
        admissions.withLock { $0[key] = admission }
        switch admission.stage {
        case .pin:
            await play(.enterPIN, to: key)
            armPINTimeout(key)
        case .lobby:
            await play(.lobby, to: key, loop: true)
            armLobbyTimeout(key)
        }
    }

    /// One DTMF digit from a caller typing the PIN: `#` ends the entry, `*` starts it again.
    func dtmf(_ digit: String, from key: AdmissionKey) async {
        enum Step { case none, check(String, Int) }
        let step = admissions.withLock { table -> Step in
            guard var a = table[key], !a.closing, case .pin(let digits, let failures) = a.stage else { return .none }
            switch digit {
            case "#":
                a.stage = .pin(digits: "", failures: failures)
                table[key] = a
                return .check(digits, failures)
            case "*":
                a.stage = .pin(digits: "", failures: failures)
            default:
                a.stage = .pin(digits: String((digits + digit).suffix(32)), failures: failures)
            }
            table[key] = a
            return .none
        }
        guard case .check(let entered, let failures) = step else { return }
        guard let conference = existingConference(key.conference) else { return }
        let passcode = conference.meeting?.passcode ?? ""
        let source = admissions.withLock { $0[key]?.source }
        let pinTarget = "pin:\(key.conference.tenant)/\(key.conference.meeting)"
        if entered == passcode {
            if let source { secretFailures.withLock { $0.succeed(source: source, target: pinTarget) } }
            logger.info("PIN accepted", metadata: ["meeting": "\(key.conference)", "endpoint": "\(key.endpoint)"])
            await mcu.stopAnnouncement(key.conference, key.endpoint)
            await pinAccepted(key, conference: conference)
            return
        }
        let attempts = failures + 1
        counters.joinFailed(tenant: key.conference.tenant, reason: "pin")
        logger.info("wrong PIN", metadata: ["meeting": "\(key.conference)", "attempt": "\(attempts)"])
        // Wrong PINs count per source and meeting across calls: calling again does not buy more guesses.
        let backoff = source.flatMap { s in secretFailures.withLock { $0.fail(source: s, target: pinTarget, now: clock.elapsedSeconds) } }
        if let backoff {
            logger.notice(
                "wrong PINs: backing off", metadata: ["meeting": "\(key.conference)", "source": "\(source ?? "")", "seconds": "\(Int(backoff))"])
        }
        if attempts >= configuration.focus.passcodeAttempts || backoff != nil {
            await sayGoodbye(key, conference: conference, prompt: .wrongPIN, reason: "wrong PIN \(attempts) times")
            return
        }
        admissions.withLock { table in
            table[key]?.stage = .pin(digits: "", failures: attempts)
            table[key]?.promptAfter = .enterPIN
        }
        await play(.wrongPIN, to: key)
    }

    /// Gives up on a caller who types no correct PIN within a minute.
    func armPINTimeout(_ key: AdmissionKey) {
        work.start { [self] in
            guard await work.sleep(seconds: 60) else { return }
            let stillTyping = admissions.withLock { table -> Bool in
                if case .pin = table[key]?.stage { return true }
                return false
            }
            guard stillTyping, let conference = existingConference(key.conference) else { return }
            await hangUp(key, conference: conference, reason: "no PIN entered")
        }
    }

    /// Ends a wait in the lobby that lasted `lobbyTimeoutSeconds`: the lobby-timeout prompt, then BYE.
    func armLobbyTimeout(_ key: AdmissionKey) {
        let seconds = Double(configuration.focus.limits.lobbyTimeoutSeconds)
        work.start { [self] in
            guard await work.sleep(seconds: seconds) else { return }
            let stillWaiting = admissions.withLock { $0[key]?.stage == .lobby && $0[key]?.closing == false }
            guard stillWaiting, let conference = existingConference(key.conference) else { return }
            logger.info("lobby wait over: hanging up", metadata: ["meeting": "\(key.conference)", "endpoint": "\(key.endpoint)"])
            await sayGoodbye(key, conference: conference, prompt: .lobbyTimeout, reason: "nobody let them in within \(Int(seconds)) s")
        }
    }

    /// The PIN was right: on to the lobby when one applies, else into the mix (unless the meeting got locked).
    private func pinAccepted(_ key: AdmissionKey, conference: FocusConference) async {
        let next = admissions.withLock { table -> Admission? in
            guard var a = table[key] else { return nil }
            if a.lobbyAfterPIN {
                a.stage = .lobby
                table[key] = a
            } else {
                table[key] = nil
            }
            return a
        }
        guard let next else { return }
        if next.lobbyAfterPIN {
            await play(.lobby, to: key, loop: true)
            await persistCall(of: key.endpoint, in: conference)
            return
        }
        let entry = await conference.entry(key.endpoint)
        if await conference.locked, !(entry?.role.controls ?? false) {
            await sayGoodbye(key, conference: conference, prompt: .locked, reason: "meeting locked")
            return
        }
        await enterMix(key, conference: conference, muted: next.muted)
    }

    /// Moves an admitted caller into the mix and tells a lone participant they are first. A meeting that filled up
    /// while they waited turns them away (an organizer or presenter always gets in).
    func enterMix(_ key: AdmissionKey, conference: FocusConference, muted: Bool) async {
        do throws(JoinRefusal) {
            try await conference.takeSeat(key.endpoint)
        } catch {
            logger.info("meeting full when let in: hanging up", metadata: ["meeting": "\(key.conference)", "endpoint": "\(key.endpoint)"])
            counters.joinFailed(tenant: key.conference.tenant, reason: error.metric)
            await sayGoodbye(key, conference: conference, prompt: .meetingFull, reason: "meeting full")
            return
        }
        do {
            _ = try await mcu.modifyEndpoint(
                ModifyEndpointRequest(conference: key.conference, endpoint: key.endpoint, muted: muted, mode: .conference))
        } catch {
            logger.warning("cannot admit into the mix", metadata: ["meeting": "\(key.conference)", "reason": "\(error.reason)"])
            await hangUp(key, conference: conference, reason: "media failure")
            return
        }
        await conference.update(key.endpoint) { entry in
            entry.muted = muted
            entry.status = .connected
        }
        await persistCall(of: key.endpoint, in: conference)
        await greetIfAlone(key, conference: conference)
    }

    /// Plays "you are the first participant" to someone alone in the mix, and stops it as soon as anyone else is in.
    func greetIfAlone(_ key: AdmissionKey, conference: FocusConference) async {
        let inMix = await conference.roster.count(where: \.isInMix)
        if inMix == 1 {
            greetings.withLock { $0[key.conference] = key.endpoint }
            await play(.firstParticipant, to: key)
            // Someone may have arrived while the prompt was being started: then it stops at once.
            if greetings.withLock({ $0[key.conference] != key.endpoint }) { await mcu.stopAnnouncement(key.conference, key.endpoint) }
        } else if let greeted = greetings.withLock({ $0.removeValue(forKey: key.conference) }) {
            await mcu.stopAnnouncement(key.conference, greeted)
        }
    }

    /// Ends a caller's call from the focus side and frees their seat at once; the BYE goes out as background work,
    /// so nobody waits for a peer that does not answer (the stack ends the dialog whatever the answer).
    func hangUp(_ key: AdmissionKey, conference: FocusConference, reason: String) async {
        admissions.withLock { $0[key] = nil }
        farewells.withLock { _ = $0.removeValue(forKey: key) }
        if let dialog = await conference.dialog(for: key.endpoint) {
            calls.withLock { _ = $0.end(dialog.id) }
            work.start { _ = try? await dialog.bye() }
        }
        await drop(key.endpoint, from: conference, reason: reason)
    }

    // MARK: - Lobby control

    /// Admits a caller from the lobby: into the mix, and a re-INVITE with the MCU's re-offer turns their media back to
    /// sendrecv; the phone's answer (its direction, keys, address) goes back to the MCU.
    public func admit(_ conference: FocusConference, endpoint: EndpointID) async throws(ControlError) {
        let key = AdmissionKey(conference: conference.id, endpoint: endpoint)
        let admission = admissions.withLock { table -> Admission? in
            guard let a = table[key], a.stage == .lobby else { return nil }
            table[key] = nil
            return a
        }
        guard let admission else {
            if await conference.entry(endpoint) == nil { throw ControlError(.notFound, "no such participant") }
            throw ControlError(.conflict, "the participant is not waiting in the lobby")
        }
        await mcu.stopAnnouncement(conference.id, endpoint)
        await enterMix(key, conference: conference, muted: admission.muted)
        if let dialog = await conference.dialog(for: endpoint) {
            work.start { [self] in
                await reinviteAdmitted(key, conference: conference, dialog: dialog)
            }
        }
        logger.info("admitted from the lobby", metadata: ["meeting": "\(conference.id)", "endpoint": "\(endpoint)"])
    }

    /// The re-INVITE that moves an admitted caller from listening to talking: the MCU makes the offer from the endpoint's
    /// mode, and takes the phone's answer. A caller that does not take it is gone (or broken): the call ends rather than
    /// keep a ghost. A 491 (the phone re-INVITEs at the same moment) leaves it to the phone's own offer.
    func reinviteAdmitted(_ key: AdmissionKey, conference: FocusConference, dialog: SIPDialogHandle) async {
        let offer: AddEndpointResponse?
        do {
            offer = try await mcu.modifyEndpoint(ModifyEndpointRequest(conference: key.conference, endpoint: key.endpoint, reoffer: true))
        } catch {
            logger.warning("no re-offer from the MCU for an admitted caller", metadata: ["meeting": "\(key.conference)", "reason": "\(error.reason)"])
            return
        }
        guard let offer else { return }
        let response = try? await dialog.request(.invite, body: Array(offer.answer.utf8), contentType: "application/sdp")
        guard let response, (200..<300).contains(response.statusCode) || response.statusCode == 491 else {
            logger.info(
                "admitted caller did not accept the re-INVITE: hanging up",
                metadata: ["meeting": "\(key.conference)", "endpoint": "\(key.endpoint)", "status": "\(response?.statusCode ?? 0)"])
            await hangUp(key, conference: conference, reason: "no answer to the re-INVITE")
            return
        }
        guard response.statusCode != 491, !response.body.isEmpty else { return }
        do {
            let applied = try await mcu.modifyEndpoint(
                ModifyEndpointRequest(conference: key.conference, endpoint: key.endpoint, answer: String(decoding: response.body, as: UTF8.self)))
            if let media = applied?.media { await conference.update(key.endpoint) { $0.media = media } }
            persistCall(dialog.id)
        } catch {
            logger.notice(
                "the admitted caller's answer cannot be used: hanging up",
                metadata: ["meeting": "\(key.conference)", "endpoint": "\(key.endpoint)", "reason": "\(error.reason)"])
            await hangUp(key, conference: conference, reason: "unusable answer to the re-INVITE")
        }
    }

    /// Turns a caller in the lobby away (BYE).
    public func deny(_ conference: FocusConference, endpoint: EndpointID) async throws(ControlError) {
        let key = AdmissionKey(conference: conference.id, endpoint: endpoint)
        let waiting = admissions.withLock { $0[key]?.stage == .lobby }
        guard waiting else {
            if await conference.entry(endpoint) == nil { throw ControlError(.notFound, "no such participant") }
            throw ControlError(.conflict, "the participant is not waiting in the lobby")
        }
        logger.info("denied from the lobby", metadata: ["meeting": "\(conference.id)", "endpoint": "\(endpoint)"])
        await hangUp(key, conference: conference, reason: "denied")
    }
}
