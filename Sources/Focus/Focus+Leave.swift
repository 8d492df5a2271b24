import Logging
import MCUControl
import SIP
import Synchronization

extension Focus {
    /// A participant's dialog ended (BYE either way, session timer, transport failure): their media stops, their seat
    /// is free, and the conference goes when it stays empty for the grace period.
    func leave(_ id: SIPDialogID, reason: String) async {
        guard let member = calls.withLock({ $0.end(id) }) else { return }
        guard let conference = existingConference(member.conference) else {
            await mcu.removeEndpoint(member.conference, member.endpoint)
            return
        }
        await drop(member.endpoint, from: conference, reason: reason)
    }

    /// Takes a participant out: roster, seat, MCU endpoint. Safe to call twice (a BYE we sent and the dialog's end
    /// both lead here); the roster removal is the one step that decides.
    func drop(_ endpoint: EndpointID, from conference: FocusConference, reason: String) async {
        admissions.withLock { $0[AdmissionKey(conference: conference.id, endpoint: endpoint)] = nil }
        mediaRequests.withLock { $0[AdmissionKey(conference: conference.id, endpoint: endpoint)] = nil }
        if await conference.remove(endpoint) != nil {
            releaseSeat(conference.id)
            logger.info("left", metadata: ["meeting": "\(conference.id)", "endpoint": "\(endpoint)", "reason": "\(reason)"])
        }
        await mcu.removeEndpoint(conference.id, endpoint)
        await forgetCall(endpoint, in: conference.id)
        // An ended meeting goes as soon as its last participant has; a live one waits its grace period.
        await removeIfEmpty(conference, graceSeconds: await conference.ended ? 0 : configuration.focus.emptyConferenceGraceSeconds)
    }

    /// Ends the conference when nobody holds a seat, now or after `graceSeconds` if still nobody came.
    func removeIfEmpty(_ conference: FocusConference, graceSeconds: Int) async {
        guard await conference.presentCount == 0 else { return }
        let generation = await conference.generation
        if graceSeconds > 0 {
            work.start { [self] in
                guard await work.sleep(seconds: Double(graceSeconds)) else { return }
                guard await conference.closeIfEmpty(generation: generation) else { return }
                await finish(conference, reason: "empty")
            }
        } else {
            guard await conference.closeIfEmpty(generation: nil) else { return }
            await finish(conference, reason: "empty")
        }
    }

    /// Puts the conference on the MCU (idempotent) as its owner there.
    func placeOnMCU(_ conference: FocusConference) async throws(MCUControlError) {
        let failure: MCUControlError? = await mcuPlacement.perform(conference.id) { [self] in
            do throws(MCUControlError) {
                try await mcu.addConference(conference.id)
            } catch {
                return error
            }
            mcuOwners.withLock { $0[conference.id] = ObjectIdentifier(conference) }
            return nil
        }
        if let failure { throw failure }
        await conference.markOnMCU()
    }

    /// Takes the conference off the MCU, unless a newer conference with the same ID owns it there now.
    func removeFromMCU(_ conference: FocusConference) async {
        await mcuPlacement.perform(conference.id) { [self] in
            let owned = mcuOwners.withLock { owners -> Bool in
                guard owners[conference.id] == ObjectIdentifier(conference) else { return false }
                owners[conference.id] = nil
                return true
            }
            if owned { await mcu.removeConference(conference.id) }
        }
    }

    /// Takes an ended or empty conference off the MCU and out of the focus; its subscribers get their final NOTIFY.
    func finish(_ conference: FocusConference, reason: String) async {
        let removed = conferences.withLock { table -> Bool in
            guard table[conference.id] === conference else { return false }
            table[conference.id] = nil
            return true
        }
        guard removed else {
            // A newer conference with this ID took its place in the table: only its own MCU conference may go.
            await removeFromMCU(conference)
            await conference.markRemoved()
            return
        }
        _ = await conference.end()
        await conference.markRemoved()
        await forgetConference(conference.id)
        await removeFromMCU(conference)
        releaseConference(conference.id)
        await subscriptions.conferenceEnded(conference.id, subject: conference.subject)
        logger.info("conference removed", metadata: ["meeting": "\(conference.id)", "reason": "\(reason)"])
    }

    /// Ends every call with BYE (graceful shutdown), waiting at most `seconds` for the answers.
    public func endAll(within seconds: Double = 2) async {
        let all = liveConferences(tenant: nil)
        await withTaskGroup(of: Void.self) { group in
            for conference in all {
                group.addTask { await self.endConference(conference, within: seconds, reason: "server shutting down") }
            }
        }
    }

    /// Ends a conference: BYE to every participant (answers awaited at most `seconds`), then removal.
    public func endConference(_ conference: FocusConference, within seconds: Double, reason: String) async {
        let dialogs = await conference.end()
        await waitForAnswers(dialogs.map(\.1), within: seconds)
        for (_, dialog) in dialogs { await leave(dialog.id, reason: reason) }
        await finish(conference, reason: reason)
    }

    /// Sends each dialog its BYE as background work and returns when all are answered or after `seconds`, whichever
    /// comes first; a BYE still unanswered then goes on without anyone waiting for it.
    func waitForAnswers(_ dialogs: [SIPDialogHandle], within seconds: Double) async {
        guard !dialogs.isEmpty else { return }
        let gate = AnswerGate(waitingFor: dialogs.count)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            gate.arm(continuation)
            for dialog in dialogs {
                work.start {
                    _ = try? await dialog.bye()
                    gate.answered()
                }
            }
            let timed = work.start { [work] in
                _ = await work.sleep(seconds: seconds)
                gate.open()
            }
            if !timed { gate.open() }  // the focus is stopping: nobody is left to wait for

        }
    }
}

/// Opens once: when every awaited answer came, or when the deadline says so.
private final class AnswerGate: Sendable {
    private let state: Mutex<(left: Int, continuation: CheckedContinuation<Void, Never>?)>

    init(waitingFor count: Int) { state = Mutex((count, nil)) }

    func arm(_ continuation: CheckedContinuation<Void, Never>) {
        let openNow = state.withLock { s -> Bool in
            if s.left <= 0 { return true }
            s.continuation = continuation
            return false
        }
        if openNow { continuation.resume() }
    }

    func answered() {
        let continuation = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.left -= 1
            guard s.left <= 0 else { return nil }
            defer { s.continuation = nil }
            return s.continuation
        }
        continuation?.resume()
    }

    func open() {
        let continuation = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.left = 0
            defer { s.continuation = nil }
            return s.continuation
        }
        continuation?.resume()
    }
}
