import SDP
import SIP
import SIPWire
import Synchronization

/// The load generator's established calls by dialog. It answers the server's re-INVITEs the way a phone does when
/// its conference moves to another MCU: an SDP answer from the participant's own socket (same o= session, version + 1),
/// and the participant's RTP re-pointed at the address, port and payload type of the new offer. It also remembers how
/// each call ended, so a call the server dropped counts as lost.
final class LoadCallDialogs: Sendable {
    private struct Call {
        let participant: LoadParticipant
        let cname: String
        /// The o= version of our latest description, and that description (for an INVITE without an offer).
        var version: UInt64
        var description: SessionDescription
        /// Why the dialog ended, once it has.
        var ended: String?
    }

    private let calls = Mutex<[SIPDialogID: Call]>([:])

    /// Records an established call: its participant, the offer it was set up with, and the cname that offer used.
    func add(_ dialog: SIPDialogID, participant: LoadParticipant, offer: SessionDescription, cname: String) {
        calls.withLock {
            $0[dialog] = Call(participant: participant, cname: cname, version: offer.origin.sessionVersion, description: offer)
        }
    }

    /// A dialog ended (the stack's callback): remembered with its reason.
    func ended(_ dialog: SIPDialogID, reason: String) {
        calls.withLock { $0[dialog]?.ended = reason }
    }

    /// Calls that ended other than by our own BYE (the server hung up, or the dialog failed), by participant name.
    var lost: [(participant: String, reason: String)] {
        calls.withLock { calls in
            calls.values.compactMap { call in
                guard let reason = call.ended, reason != "BYE sent" else { return nil }
                return (call.participant.name, reason)
            }
        }
    }

    /// Answers an INVITE: inside one of our dialogs with an SDP answer (or, without an offer, our current description
    /// as the offer), after re-pointing the participant's RTP; outside, 403 — a load generator takes no calls.
    func answer(_ incoming: SIPIncomingRequest) async {
        guard let dialog = incoming.dialog else {
            await incoming.respondStatelessly(403, reason: "Forbidden (the load generator takes no calls)")
            return
        }
        guard let participant = calls.withLock({ $0[dialog.id]?.participant }) else {
            await incoming.respond(481)
            return
        }
        participant.reinviteReceived()
        do {
            let body = try reply(to: incoming.request.body, in: dialog.id, participant: participant)
            await incoming.respond(200, body: body, contentType: "application/sdp")
        } catch {
            await incoming.respond(488, headers: [("Warning", "399 consort-loadgen \"\(error)\"")])
        }
    }

    /// The body of the 2xx: an answer to `offer` (the participant now sends where it says), or our description again.
    private func reply(to offer: [UInt8], in dialog: SIPDialogID, participant: LoadParticipant) throws -> [UInt8] {
        guard !offer.isEmpty else {
            guard let current = calls.withLock({ $0[dialog]?.description }) else { throw LoadGeneratorError("the call has ended") }
            return current.serializedBytes
        }
        let remote = try SessionDescription(parsing: offer)
        guard let (version, cname) = calls.withLock({ calls -> (UInt64, String)? in
            guard let call = calls[dialog] else { return nil }
            return (call.version + 1, call.cname)
        }) else { throw LoadGeneratorError("the call has ended") }
        let policy = SDPAnswerPolicy(
            address: participant.localAddress, allowVideo: false, supportedCryptoSuites: [],
            sessionID: UInt64(participant.ssrc), sessionVersion: version)
        let answer = try SDPOfferAnswer.answer(
            offer: remote, policy: policy,
            localMedia: { _, type in
                type == "audio" ? SDPLocalMedia(port: participant.localPort, ssrc: participant.ssrc, cname: cname) : nil
            },
            makeKey: { _ in nil })
        guard let audio = answer.media.first(where: { $0.type == "audio" && $0.accepted }) else {
            throw LoadGeneratorError("the offer has no audio this participant can take")
        }
        guard audio.codec == "opus", let payloadType = audio.payloadType, let host = audio.remoteAddress, let port = audio.remotePort else {
            throw LoadGeneratorError("the offer's audio is \(audio.codec ?? "no codec"), not Opus")
        }
        try participant.setDestination(host: host, port: port, payloadType: payloadType)
        calls.withLock {
            $0[dialog]?.version = version
            $0[dialog]?.description = answer.description
        }
        return answer.description.serializedBytes
    }
}
