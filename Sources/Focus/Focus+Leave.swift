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
        if await conference.remove(endpoint) != nil {
            releaseSeat(conference.id)
            logger.info("left", metadata: ["meeting": "\(conference.id)", "endpoint": "\(endpoint)", "reason": "\(reason)"])
        }
        await mcu.removeEndpoint(conference.id, endpoint)
        // An ended meeting goes as soon as its last participant has; a live one waits its grace period.
        await removeIfEmpty(conference, graceSeconds: await conference.ended ? 0 : configuration.focus.emptyConferenceGraceSeconds)
    }

    /// Ends the conference when nobody holds a seat, now or after `graceSeconds` if still nobody came.
    func removeIfEmpty(_ conference: FocusConference, graceSeconds: Int) async {
        guard await conference.presentCount == 0 else { return }
        let generation = await conference.generation
        if graceSeconds > 0 {
            work.start { [self] in
                guard await FocusWork.sleep(seconds: Double(graceSeconds)) else { return }
                guard await conference.presentCount == 0, await conference.generation == generation else { return }
                await finish(conference, reason: "empty")
            }
        } else {
            await finish(conference, reason: "empty")
        }
    }

    /// Takes an ended or empty conference off the MCU and out of the focus; its subscribers get their final NOTIFY.
    func finish(_ conference: FocusConference, reason: String) async {
        let removed = conferences.withLock { table -> Bool in
            guard table[conference.id] === conference else { return false }
            table[conference.id] = nil
            return true
        }
        guard removed else { return }
        _ = await conference.end()
        await conference.markRemoved()
        if await conference.onMCU { await mcu.removeConference(conference.id) }
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
        await withTaskGroup(of: Void.self) { group in
            for (_, dialog) in dialogs {
                group.addTask {
                    _ = try? await withDeadline(seconds) { try await dialog.bye() }
                }
            }
        }
        for (_, dialog) in dialogs { await leave(dialog.id, reason: reason) }
        await finish(conference, reason: reason)
    }
}

/// Runs `body`, giving up (returning nil) after `seconds`. The body keeps running after a timeout (a SIP transaction
/// cannot be interrupted); only the wait is bounded.
func withDeadline<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
    await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
        let once = ResumeOnce(continuation)
        Task {
            let value = try? await body()
            once.resume(value)
        }
        Task {
            try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            once.resume(nil)
        }
    }
}

/// Resumes a continuation once, whichever of several tasks gets there first.
private final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T?, Never>?>

    init(_ continuation: CheckedContinuation<T?, Never>) { self.continuation = Mutex(continuation) }

    func resume(_ value: T?) {
        continuation.withLock { c in
            c?.resume(returning: value)
            c = nil
        }
    }
}
