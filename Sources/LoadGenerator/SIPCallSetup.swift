import SDP
import SIP
import SIPWire

/// Places one participant's call: INVITE `sip:<meeting>@target` with an Opus offer (plain RTP/AVP, rtcp-mux) whose
/// port is the participant's socket, then points the participant's RTP at the port the answer names and records the
/// call in `dialogs` (which answers its re-INVITEs).
struct SIPCallSetup: Sendable {
    let agent: SIPUserAgent
    let options: LoadGeneratorOptions
    let dialogs: LoadCallDialogs

    /// Calls the meeting and returns the established call. Throws with the reason when it is refused, times out, or the
    /// answer is unusable (no Opus, media or Contact off loopback).
    func call(_ participant: LoadParticipant, meeting: String, index: Int) async throws -> SIPOutgoingCall {
        let uri = SIPURI(user: meeting, host: options.targetHost, port: options.targetPort)
        let from = SIPNameAddress(uri: SIPURI(user: "loadgen-\(index)", host: participant.localAddress))
        let cname = "loadgen-\(index)"
        let policy = SDPAnswerPolicy(address: participant.localAddress, allowVideo: false, sessionID: UInt64(participant.ssrc))
        let offer = SDPOfferAnswer.offer(
            policy: policy,
            options: SDPOfferOptions(
                audio: SDPLocalMedia(port: participant.localPort, ssrc: participant.ssrc, cname: cname),
                audioLevel: options.audioLevels))
        let agent = self.agent
        let call = try await withTimeout(options.setupTimeout) {
            try await agent.invite(uri, from: from, body: offer.serializedBytes)
        }
        do {
            if let contact = call.response.contacts.first, !LoopbackAddress.isLoopbackIPv4(contact.uri.host) {
                throw LoadGeneratorError("the 200 names Contact host \(contact.uri.host), which is not loopback")
            }
            let answer = try SessionDescription(parsing: call.response.body)
            let media = try SDPOfferAnswer.negotiate(localOffer: offer, remoteAnswer: answer)
            guard let audio = media.first(where: { $0.type == "audio" && $0.accepted }) else {
                throw LoadGeneratorError("the answer accepts no audio: \(media.first?.rejectionReason ?? "no m= line")")
            }
            guard audio.codec == "opus", let payloadType = audio.payloadType, let host = audio.remoteAddress,
                let port = audio.remotePort
            else {
                throw LoadGeneratorError("the answer chose \(audio.codec ?? "no codec"), not Opus")
            }
            try participant.setDestination(host: host, port: port, payloadType: payloadType)
            dialogs.add(call.dialog.id, participant: participant, offer: offer, cname: cname)
        } catch {
            if call.response.contacts.first.map({ LoopbackAddress.isLoopbackIPv4($0.uri.host) }) ?? true {
                _ = try? await withTimeout(5) { try await call.dialog.bye() }
            }
            throw error
        }
        return call
    }
}

/// Runs `body`, or throws when it takes longer than `seconds` (cancelling it: an INVITE in progress gets CANCEL).
func withTimeout<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1_000)))
            throw LoadGeneratorError("no answer within \(seconds) s")
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw LoadGeneratorError("cancelled") }
        return first
    }
}
