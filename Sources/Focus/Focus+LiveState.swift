import Logging
import MCUControl
import SIP

/// The live conferences in the store: every roster change writes its conference, every call that becomes a member
/// (and every exchange that changes its dialog) writes the call, and both go when they end. A focus restarted
/// mid-meeting reads them back (``reattach()``) and carries on the calls: nothing it needs lives only in memory.
///
/// Writes run in order per conference as background work, so no call waits for the store; a burst of roster changes
/// is one write (the job writes the conference as it is when it runs). Removals are awaited, so a graceful shutdown
/// leaves no record behind.
extension Focus {
    /// Writes the conference's record soon (once for any number of changes meanwhile).
    func conferenceChanged(_ conference: FocusConference) {
        let first = dirtyConferences.withLock { $0.insert(ObjectIdentifier(conference)).inserted }
        guard first else { return }
        liveWrites.enqueue(conference.id) { [self] in
            dirtyConferences.withLock { _ = $0.remove(ObjectIdentifier(conference)) }
            // An ended conference's record is removed by `finish`; a replaced one is not ours to write.
            guard existingConference(conference.id) === conference, await !conference.ended else { return }
            let record = await conference.liveRecord()
            do throws(FocusStoreError) {
                try await store.saveLiveConference(record)
            } catch {
                logStoreFailure("cannot store a live conference", conference.id, error)
            }
        }
    }

    /// Writes a member's call (its dialog as the SIP stack has it now, what it holds, what its media was made from).
    func persistCall(_ dialog: SIPDialogID) {
        guard let member = calls.withLock({ $0[dialog] }) else { return }
        liveWrites.enqueue(member.conference) { [self] in
            guard let member = calls.withLock({ $0[dialog] }) else { return }  // it ended meanwhile
            let key = AdmissionKey(conference: member.conference, endpoint: member.endpoint)
            guard let media = mediaRequests.withLock({ $0[key] }), let record = await agent.dialogRecord(dialog) else { return }
            let admission = admissions.withLock { $0[key] }
            let waiting: LiveParticipant.Waiting? = switch admission?.stage {
            case .pin?: .pin
            case .lobby?: .lobby
            case nil: nil
            }
            let participant = LiveParticipant(
                conference: member.conference, endpoint: member.endpoint, dialog: record, callID: member.key?.callID,
                fromTag: member.key?.fromTag, source: member.source, anonymous: member.anonymous, media: media, waiting: waiting,
                mutedOnAdmission: admission?.muted ?? false)
            do throws(FocusStoreError) {
                do throws(FocusStoreError) {
                    try await store.saveLiveParticipant(participant)
                } catch {
                    // Its conference's record may not be written yet (or was removed as an earlier conference of the
                    // same meeting ended): write it, then the call.
                    guard let conference = existingConference(member.conference), await !conference.ended else { throw error }
                    try await store.saveLiveConference(await conference.liveRecord())
                    try await store.saveLiveParticipant(participant)
                }
            } catch {
                logStoreFailure("cannot store a participant's call", member.conference, error)
            }
        }
    }

    /// `persistCall` for the participant's dialog in a conference.
    func persistCall(of endpoint: EndpointID, in conference: FocusConference) async {
        if let dialog = await conference.dialog(for: endpoint) { persistCall(dialog.id) }
    }

    /// Removes a call's record, after the writes queued before it.
    func forgetCall(_ endpoint: EndpointID, in conference: ConferenceID) async {
        await liveWrites.perform(conference) { [self] in
            do throws(FocusStoreError) {
                try await store.removeLiveParticipant(conference, endpoint)
            } catch {
                logStoreFailure("cannot remove a participant's stored call", conference, error)
            }
        }
    }

    /// Removes a conference's record and its calls', after the writes queued before it.
    func forgetConference(_ conference: ConferenceID) async {
        await liveWrites.perform(conference) { [self] in
            do throws(FocusStoreError) {
                try await store.removeLiveConference(conference)
            } catch {
                logStoreFailure("cannot remove a stored live conference", conference, error)
            }
        }
    }

    /// Writes a subscription (its dialog, the version it holds, when it expires).
    func persistSubscription(_ dialog: SIPDialogID) {
        guard let conference = subscriptions.conference(of: dialog) else { return }
        liveWrites.enqueue(conference) { [self] in
            guard let held = subscriptions.stored(dialog), let record = await agent.dialogRecord(dialog) else { return }
            let subscription = LiveSubscription(
                conference: held.conference, dialog: record, version: held.version, expiresAt: clock.now() + Double(held.seconds),
                source: held.source)
            do throws(FocusStoreError) {
                try await store.saveLiveSubscription(subscription)
            } catch {
                logStoreFailure("cannot store a subscription", conference, error)
            }
        }
    }

    /// Removes a subscription's record (it ended), after the writes queued before it.
    func forgetSubscription(_ dialog: SIPDialogID, of conference: ConferenceID) {
        liveWrites.enqueue(conference) { [self] in
            do throws(FocusStoreError) {
                try await store.removeLiveSubscription(tenant: conference.tenant, dialog: dialog)
            } catch {
                logStoreFailure("cannot remove a stored subscription", conference, error)
            }
        }
    }

    private func logStoreFailure(_ message: Logger.Message, _ conference: ConferenceID, _ error: FocusStoreError) {
        let first = refusalLog.withLock { $0.shouldLog("store|\(message)", now: clock.elapsedSeconds) }
        logger.log(
            level: first ? .warning : .debug, "\(message): a restart would lose it",
            metadata: ["meeting": "\(conference)", "error": "\(error)"])
    }
}

extension Focus {
    /// What ``reattach()`` found and did.
    public struct Reattachment: Sendable, Equatable {
        /// Conferences and calls taken over.
        public var conferences = 0
        public var calls = 0
        /// Calls whose media the MCU still had (nothing was sent to their phones).
        public var mediaKept = 0
        /// Calls whose media was made again (the MCU had lost it), with a re-INVITE.
        public var mediaRemade = 0
        /// Stored calls that could not be taken over (a damaged record, no MCU for their conference).
        public var dropped = 0
        /// Subscriptions to the conference event package carried on (each got the full state again).
        public var subscriptions = 0

        static func += (total: inout Reattachment, one: Reattachment) {
            total.conferences += one.conferences
            total.calls += one.calls
            total.mediaKept += one.mediaKept
            total.mediaRemade += one.mediaRemade
            total.dropped += one.dropped
            total.subscriptions += one.subscriptions
        }
    }

    /// Takes over the live conferences in the store, as a focus restarted mid-meeting: each conference gets its
    /// roster, lock and roles back, each call its dialog (the phone notices nothing), its seat and what it holds against
    /// its source. Where the MCU still has the conference (a pool instance that outlived the focus) media goes on
    /// untouched; where it lost it (the embedded MCU restarted with the focus) the participants are re-INVITEd to new
    /// media, as when a pool moves a conference — in the background, after this returns. Subscriptions to the
    /// conference event package carry on too: each gets the full state, numbered past anything it was sent before.
    /// Call it after ``install()`` and before the SIP agent accepts requests.
    @discardableResult
    public func reattach() async -> Reattachment {
        var result = Reattachment()
        let stored: [LiveConference]
        let participants: [LiveParticipant]
        let watching: [LiveSubscription]
        do {
            stored = try await store.liveConferences()
            participants = try await store.liveParticipants()
            watching = try await store.liveSubscriptions()
        } catch {
            logger.error("cannot read the live conferences: meetings in progress are not taken over", metadata: ["error": "\(error)"])
            return result
        }
        defer {
            if result.conferences > 0 || result.subscriptions > 0 {
                logger.notice(
                    "took over the meetings in progress",
                    metadata: [
                        "conferences": "\(result.conferences)", "calls": "\(result.calls)", "mediaKept": "\(result.mediaKept)",
                        "mediaRemade": "\(result.mediaRemade)", "dropped": "\(result.dropped)", "subscriptions": "\(result.subscriptions)",
                    ])
            }
        }
        if !stored.isEmpty { await mcu.waitUntilReady() }
        let byConference = Dictionary(grouping: participants, by: \.conference)
        for record in stored { result += await reattach(record, calls: byConference[record.id] ?? []) }
        for subscription in watching where await reattach(subscription) { result.subscriptions += 1 }
        return result
    }

    /// Carries a stored subscription on: its dialog, its place, and the full state now; false when it expired meanwhile
    /// or its record does not parse (its record goes).
    private func reattach(_ stored: LiveSubscription) async -> Bool {
        let seconds = Int((stored.expiresAt - clock.now()).rounded(.down))
        guard seconds > 0, directory.tenant(id: stored.conference.tenant) != nil,
            let dialog = try? await agent.restoreDialog(stored.dialog)
        else {
            forgetSubscription(stored.dialog.id, of: stored.conference)
            return false
        }
        subscriptions.reinstate(source: stored.source, conference: stored.conference)
        let snapshot = await currentSnapshot(stored.conference)
        // An untrusted UDP subscriber answers a bodiless NOTIFY before the roster again, as when it subscribed: a
        // source address that was forged then earns no document now.
        subscriptions.add(
            dialog, conference: stored.conference, seconds: seconds, snapshot: snapshot, source: stored.source,
            proveFirst: stored.source != nil && stored.dialog.transport == "UDP", version: stored.version &+ 100_000)
        persistSubscription(dialog.id)
        return true
    }

    private func reattach(_ record: LiveConference, calls stored: [LiveParticipant]) async -> Reattachment {
        var result = Reattachment()
        let id = record.id
        guard let tenant = directory.tenant(id: id.tenant) else {
            logger.warning("a stored conference's tenant is gone: its calls end", metadata: ["meeting": "\(id)"])
            await byeAll(stored)
            await forgetConference(id)
            result.dropped = stored.count
            return result
        }
        let meeting = directory.meeting(tenant: id.tenant, id: id.meeting)
        let conference = FocusConference(
            id: id, uri: conferenceURI(id, tenant: tenant), tenant: tenant, meeting: meeting, events: subscriptions, now: record.createdAt,
            changed: { [weak self] in self?.conferenceChanged($0) })
        conferences.withLock { $0[id] = conference }
        do {
            try await placeOnMCU(conference)
        } catch {
            logger.warning("no MCU for a stored conference: its calls end", metadata: ["meeting": "\(id)", "reason": "\(error.reason)"])
            conferences.withLock { if $0[id] === conference { $0[id] = nil } }
            await byeAll(stored)
            await forgetConference(id)
            result.dropped = stored.count
            return result
        }
        // The MCU just placed (or found) the conference, so it answers with its endpoints; no answer means it could not
        // be asked yet (a pool instance still connecting): asked again for a few seconds, since remaking media the
        // instance still has would break calls that are fine.
        var statistics = await mcu.statistics(id)
        for _ in 0..<15 where statistics == nil {
            guard await work.sleep(seconds: 0.2) else { break }
            statistics = await mcu.statistics(id)
        }
        if statistics == nil {
            logger.warning("the MCU does not say which media it holds for a stored conference: remaking it", metadata: ["meeting": "\(id)"])
        }
        let onMCU = Set(statistics?.endpoints.map(\.endpoint) ?? [])
        var restored: [(LiveParticipant, SIPDialogHandle)] = []
        for call in stored {
            do {
                restored.append((call, try await agent.restoreDialog(call.dialog)))
            } catch {
                logger.warning("a stored call cannot be taken over", metadata: ["meeting": "\(id)", "endpoint": "\(call.endpoint)", "error": "\(error)"])
                result.dropped += 1
                await forgetCall(call.endpoint, in: id)
            }
        }
        let takenOver = Set(restored.map(\.0.endpoint))
        await conference.restore(record, endpoints: takenOver)
        var remake: [EndpointID] = []
        for (call, dialog) in restored {
            let key = AdmissionKey(conference: id, endpoint: call.endpoint)
            calls.withLock {
                $0.restore(
                    dialog.id,
                    Membership(
                        conference: id, endpoint: call.endpoint, key: call.callID.map { CallKey(callID: $0, fromTag: call.fromTag ?? "") },
                        source: call.source, anonymous: call.anonymous))
            }
            mediaRequests.withLock { $0[key] = call.media }
            await conference.setDialog(dialog, for: call.endpoint)
            takeSeat(id)
            if let waiting = call.waiting {
                let stage: Admission.Stage = waiting == .pin ? .pin(digits: "", failures: 0) : .lobby
                await beginAdmission(key, Admission(stage: stage, lobbyAfterPIN: false, muted: call.mutedOnAdmission, source: call.source))
            }
            if onMCU.contains(call.endpoint) {
                result.mediaKept += 1
            } else {
                remake.append(call.endpoint)
            }
            result.calls += 1
            persistCall(dialog.id)  // its CSeq moved on
        }
        // Endpoints the MCU holds for calls nobody took over (they ended while no focus ran).
        for endpoint in onMCU.subtracting(takenOver) {
            await mcu.removeEndpoint(id, endpoint)
        }
        conferenceChanged(conference)
        result.conferences = 1
        result.mediaRemade = remake.count
        if restored.isEmpty {
            await removeIfEmpty(conference, graceSeconds: 0)
        } else if !remake.isEmpty {
            logger.notice("the MCU lost a stored conference's media: re-inviting", metadata: ["meeting": "\(id)", "participants": "\(remake.count)"])
            work.start { [self, remake] in await remakeMedia(of: remake, in: conference) }
        }
        return result
    }

    /// BYE in each stored dialog that could be restored (the phones still think they are in a call), without waiting.
    private func byeAll(_ stored: [LiveParticipant]) async {
        for call in stored {
            guard let dialog = try? await agent.restoreDialog(call.dialog) else { continue }
            work.start { _ = try? await dialog.bye() }
        }
    }
}
