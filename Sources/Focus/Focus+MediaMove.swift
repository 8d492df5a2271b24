import Logging
import MCUControl
import SIP

extension Focus {
    /// Keeps what a participant's media was made from (its offer dropped: a move asks the MCU for a new offer).
    func rememberMedia(_ request: AddEndpointRequest) {
        var kept = request
        kept.offer = nil
        mediaRequests.withLock { $0[AdmissionKey(conference: request.conference, endpoint: request.endpoint)] = kept }
    }

    /// The pool moved the conference to another MCU (its MCU died, or drains): every participant's media is made there
    /// again — same endpoint, mode and mute, the new MCU's offer sent in a re-INVITE, the phone's answer applied — all
    /// at once, so everyone hears each other again within a round trip or two. The roster, roles, lock and
    /// subscriptions stay as they are; a participant whose phone does not take the re-INVITE is hung up.
    func mediaMoved(_ conferenceID: ConferenceID) async {
        guard let conference = existingConference(conferenceID) else { return }
        let endpoints = await conference.roster.map(\.endpoint)
        logger.notice("conference moved to another MCU: re-inviting its participants", metadata: ["meeting": "\(conferenceID)", "participants": "\(endpoints.count)"])
        await remakeMedia(of: endpoints, in: conference)
    }

    /// Makes these participants' media again on the conference's MCU, all at once, each with a re-INVITE.
    func remakeMedia(of endpoints: [EndpointID], in conference: FocusConference) async {
        let started = clock.now()
        var moved = 0
        await withTaskGroup(of: Bool.self) { group in
            for endpoint in endpoints {
                group.addTask { await self.moveMedia(of: endpoint, in: conference) }
            }
            for await ok in group where ok { moved += 1 }
        }
        logger.notice(
            "conference media moved",
            metadata: [
                "meeting": "\(conference.id)", "moved": "\(moved)", "of": "\(endpoints.count)",
                "milliseconds": "\(Int((clock.now() - started) * 1_000))",
            ])
    }

    /// One participant's media on the conference's MCU (made again there); false when the participant had to go.
    private func moveMedia(of endpoint: EndpointID, in conference: FocusConference) async -> Bool {
        let key = AdmissionKey(conference: conference.id, endpoint: endpoint)
        guard let dialog = await conference.dialog(for: endpoint), let muted = await conference.entry(endpoint)?.muted,
            var request = mediaRequests.withLock({ $0[key] })
        else { return false }
        let stage = admissions.withLock { $0[key]?.stage }
        request.mode = switch stage {
        case .pin: .isolated
        case .lobby: .lobby
        case nil: .conference
        }
        request.policy.muted = muted
        do {
            let offer = try await mcu.addEndpoint(request)
            let response = try await dialog.request(.invite, body: Array(offer.answer.utf8), contentType: "application/sdp")
            guard (200..<300).contains(response.statusCode), !response.body.isEmpty else {
                throw MCUControlError(.failed, "the phone answered the re-INVITE with \(response.statusCode)")
            }
            let applied = try await mcu.modifyEndpoint(
                ModifyEndpointRequest(
                    conference: conference.id, endpoint: endpoint, answer: String(decoding: response.body, as: UTF8.self),
                    signallingSource: request.signallingSource))
            if let media = applied?.media { await conference.update(endpoint) { $0.media = media } }
            persistCall(dialog.id)
            return true
        } catch {
            logger.warning(
                "a participant's media could not move with the conference: hanging up",
                metadata: ["meeting": "\(conference.id)", "endpoint": "\(endpoint)", "reason": "\(error)"])
            await hangUp(key, conference: conference, reason: "media lost in a move")
            return false
        }
    }
}
