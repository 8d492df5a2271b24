import Logging
import MCUControl
import SIP

extension Focus {
    /// A participant's dialog ended (BYE either way, session timer, transport failure): their media stops, their seat
    /// is free, and the conference goes when it stays empty for the grace period.
    func leave(_ id: SIPDialogID, reason: String) async {
        guard let member = members.withLock({ $0.removeValue(forKey: id) }) else { return }
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
        await removeIfEmpty(conference, graceSeconds: configuration.focus.emptyConferenceGraceSeconds)
    }

    /// Ends the conference when nobody holds a seat, now or after `graceSeconds` if still nobody came.
    func removeIfEmpty(_ conference: FocusConference, graceSeconds: Int) async {
        guard await conference.seatCount == 0 else { return }
        let generation = await conference.generation
        if graceSeconds > 0 {
            Task { [self] in
                try? await Task.sleep(for: .seconds(graceSeconds))
                guard await conference.seatCount == 0, await conference.generation == generation else { return }
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

/// Runs `body`, giving up (returning nil) after `seconds`.
func withDeadline<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        return first
    }
}
