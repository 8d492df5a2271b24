import Logging
import MCUControl
import SIP
import LogLimits
import SIPWire

extension Focus {
    /// INVITE: a new call joins a meeting; inside a dialog it is a re-INVITE (hold, media change).
    func invite(_ incoming: SIPIncomingRequest) async {
        if let dialog = incoming.dialog {
            await reinvite(incoming, dialog: dialog)
            return
        }
        let request = incoming.request
        guard let target = await resolveOrRefuse(incoming) else { return }
        guard !request.body.isEmpty else {
            await incoming.respond(488, headers: [("Warning", "399 consort \"an SDP offer in the INVITE is required\"")])
            counters.joinFailed(tenant: target.tenant.id, reason: "media")
            return
        }
        let policy = target.tenant.policy.applying(target.meeting?.policy ?? MeetingPolicyOverrides())
        if policy.tlsRequired, incoming.peer.transport != .tls {
            await refuse(incoming, .tlsRequired, tenant: target.tenant.id)
            return
        }
        var call = PendingCall(
            key: CallKey(callID: request.callID ?? "", fromTag: request.from?.tag ?? ""),
            source: configuration.isTrustedSource(incoming.peer.host) ? nil : incoming.peer.host)
        let limits = configuration.focus.limits
        if target.meeting?.passcode != nil, let source = call.source,
            let wait = secretFailures.withLock({ $0.wait(source: source, target: "pin:\(target.tenant.id)/\(target.meetingID)", now: clock.elapsedSeconds) })
        {
            let seconds = Int(wait.rounded(.up))
            await refuse(
                incoming, JoinRefusal(403, "Forbidden (too many wrong PINs from this address; retry in \(seconds) s)", metric: "backoff"),
                tenant: target.tenant.id)
            return
        }
        if let refusal = calls.withLock({ $0.claim(call.key, source: call.source, limit: limits.callsPerSource) }) {
            await refuse(incoming, callRefusal(refusal), tenant: target.tenant.id)
            return
        }
        var joined = false
        defer { if !joined { calls.withLock { $0.release(call.key, source: call.source, anonymous: call.anonymous) } } }
        guard let identity = await identify(incoming, tenant: target.tenant, policy: policy) else { return }
        if identity.user == nil {
            if let refusal = calls.withLock({ $0.claimAnonymous(source: call.source, limit: limits.unauthenticatedCallsPerSource) }) {
                await refuse(incoming, callRefusal(refusal), tenant: target.tenant.id)
                return
            }
            call.anonymous = true
        }
        let id = ConferenceID(tenant: target.tenant.id, meeting: target.meetingID)
        joined = await join(
            incoming, conference: id, tenant: target.tenant, meeting: target.meeting, identity: identity, endpoint: .random(),
            call: call)
    }

    /// A dial-in call between its INVITE and its membership: what it claimed, to give back if it does not become one.
    struct PendingCall: Sendable {
        var key: CallKey
        /// The source IP counted against the per-source limits; nil when trusted.
        var source: String?
        var anonymous = false
    }

    /// The answer for a call refused before any work: a reused Call-ID/From tag, or a source over its limits.
    func callRefusal(_ refusal: CallClaimRefusal) -> JoinRefusal {
        switch refusal {
        case .collision:
            // RFC 3261 §8.2.2.2 answers a request merged with one in progress 482; a live call's identifiers are the same case.
            return JoinRefusal(482, "Loop Detected (the Call-ID and From tag belong to a call in progress)", metric: "collision")
        case .callsPerSource(let limit):
            return JoinRefusal(
                503, "Service Unavailable (\(limit) calls from this address already)", metric: "callsPerSource", headers: [("Retry-After", "30")])
        case .unauthenticatedPerSource(let limit):
            return JoinRefusal(
                503, "Service Unavailable (\(limit) anonymous calls from this address already)", metric: "unauthenticatedPerSource",
                headers: [("Retry-After", "30")])
        }
    }

    /// Who the caller is. Digest authentication in the tenant's realm happens when the meeting does not allow
    /// anonymous callers, when the caller's From names one of the tenant's users (an identity claim needs proof), or
    /// when credentials came anyway. Returns nil after answering 401 (challenge) or 403 (wrong credentials).
    func identify(_ incoming: SIPIncomingRequest, tenant: Tenant, policy: MeetingPolicy) async -> CallerIdentity? {
        let request = incoming.request
        let from = request.from
        let uri = from?.uri.addressOfRecord ?? "sip:anonymous@anonymous.invalid"
        let claimsUser =
            from.map { f in
                tenant.ownsDomain(f.uri.host)
                    && f.uri.user.map { directory.user(tenant: tenant.id, name: $0) != nil } == true
            } ?? false
        let offersCredentials = request.headers.values("Authorization").contains { $0.contains(tenant.realm) }
        guard !policy.anonymousJoin || claimsUser || offersCredentials else {
            // Unproven, a From in the tenant's own domain would pass for one of its people in the roster: shown in the
            // anonymous domain with no display name instead (a foreign address is the caller's own claim about
            // somewhere else).
            if let f = from, tenant.ownsDomain(f.uri.host) {
                return CallerIdentity(user: nil, uri: "sip:\(f.uri.user ?? "anonymous")@anonymous.invalid", displayName: nil)
            }
            return CallerIdentity(user: nil, uri: uri, displayName: from?.displayName)
        }
        guard let user = await authenticate(incoming, tenant: tenant) else { return nil }
        let displayName = directory.user(tenant: tenant.id, name: user)?.displayName ?? from?.displayName
        return CallerIdentity(user: user, uri: "sip:\(user)@\(tenant.realm)", displayName: displayName)
    }

    /// Digest in the tenant's realm: the user, or nil after answering 401 (challenge, the normal first step: not a
    /// failure) or 403 (wrong credentials or a replay: counted and logged with who tried).
    func authenticate(_ incoming: SIPIncomingRequest, tenant: Tenant) async -> String? {
        // A source that tried too many wrong passwords for a user waits, whatever it sends meanwhile.
        let source = configuration.isTrustedSource(incoming.peer.host) ? nil : incoming.peer.host
        let claimed = incoming.request.headers.values("Authorization").compactMap(SIPDigestCredentials.init)
            .first { $0.realm == tenant.realm }?.username
        if let source, let claimed, let wait = secretFailures.withLock({ $0.wait(source: source, target: "user:\(tenant.id)/\(claimed)", now: clock.elapsedSeconds) }) {
            counters.joinFailed(tenant: tenant.id, reason: "backoff")
            await incoming.respondStatelessly(403, reason: "Forbidden (too many failed logins from this address; retry in \(Int(wait.rounded(.up))) s)")
            return nil
        }
        let user = await incoming.authenticate(with: authenticator, realm: tenant.realm) { [self] username, reason in
            if let source {
                let wait = secretFailures.withLock { $0.fail(source: source, target: "user:\(tenant.id)/\(username)", now: clock.elapsedSeconds) }
                if let wait { logger.notice("failed logins: backing off", metadata: ["tenant": "\(tenant.id)", "username": "\(username)", "source": "\(source)", "seconds": "\(Int(wait))"]) }
            }
            logger.notice(
                "authentication failed",
                metadata: [
                    "method": "\(incoming.request.method.rawValue)", "tenant": "\(tenant.id)", "username": "\(username)",
                    "reason": "\(reason)", "source": "\(incoming.peer.host)",
                ])
            counters.joinFailed(tenant: tenant.id, reason: "authentication")
        }
        if let user, let source { secretFailures.withLock { $0.succeed(source: source, target: "user:\(tenant.id)/\(user)") } }
        return user
    }

    /// Seats the caller (quotas, lock, capacity), sets up their media on the MCU and answers. True when the call
    /// became a member (its claim is then given back when it ends).
    func join(
        _ incoming: SIPIncomingRequest, conference id: ConferenceID, tenant: Tenant, meeting: ScheduledMeeting?,
        identity: CallerIdentity, endpoint: EndpointID, call: PendingCall
    ) async -> Bool {
        let request = incoming.request
        do throws(JoinRefusal) {
            try reserveUsage(tenant, conference: id)
        } catch {
            await refuse(incoming, error, tenant: tenant.id)
            return false
        }
        var conference = self.conference(id, tenant: tenant, meeting: meeting)
        var reserved: (role: ParticipantRole, lobby: Bool, needsPIN: Bool)?
        for _ in 0..<3 where reserved == nil {
            do {
                reserved = try await conference.reserve(
                    endpoint, identity: identity, method: .dialedIn, now: clock.now(), lobbySize: configuration.focus.limits.lobbySize)
            } catch where error == .notFound && conference.isClosed {
                // It closed for being empty just now: the table has (or makes) a new one for this meeting.
                conference = self.conference(id, tenant: tenant, meeting: meeting)
            } catch {
                await giveBack(conference, endpoint: endpoint, seatTaken: false)
                await refuse(incoming, error, tenant: tenant.id)
                return false
            }
        }
        guard let seat = reserved else {
            releaseSeat(id)
            await refuse(incoming, .notFound, tenant: tenant.id)
            return false
        }
        let policy = conference.policy
        let muted = policy.muteOnEntry && !seat.role.controls
        let needsPIN = seat.needsPIN
        let waits = needsPIN || seat.lobby
        do {
            try await placeOnMCU(conference)
            let mediaRequest = AddEndpointRequest(
                conference: id, endpoint: endpoint, offer: String(decoding: request.body, as: UTF8.self),
                advertisedAddress: advertisedAddress(for: request, arrivedOn: incoming.peer),
                policy: EndpointPolicy(allowVideo: policy.videoAllowed, allowPlainRTP: policy.plainRTPAllowed, muted: muted),
                // The MCU answers from the mode: in the lobby (without a PIN to type) the caller only listens (sendonly).
                label: identity.uri, mode: needsPIN ? .isolated : seat.lobby ? .lobby : .conference,
                signallingSource: incoming.peer.address.ipAddress)
            let answer = try await mcu.addEndpoint(mediaRequest)
            rememberMedia(mediaRequest)
            if await incoming.isCancelled {
                await mcu.removeEndpoint(id, endpoint)
                await giveBack(conference, endpoint: endpoint, seatTaken: true)
                return false
            }
            let dialog = await incoming.respond(
                200,
                headers: [
                    ("Contact", contact(for: id, incoming)), ("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, SUBSCRIBE, REFER, NOTIFY, UPDATE"),
                    ("Supported", "timer"),
                ],
                body: Array(answer.answer.utf8), contentType: "application/sdp")
            guard let dialog else {
                await mcu.removeEndpoint(id, endpoint)
                await giveBack(conference, endpoint: endpoint, seatTaken: true)
                return false
            }
            calls.withLock {
                $0.add(
                    dialog.id,
                    Membership(conference: id, endpoint: endpoint, key: call.key, source: call.source, anonymous: call.anonymous))
            }
            await conference.setDialog(dialog, for: endpoint)
            await conference.update(endpoint) { entry in
                entry.media = answer.media
                entry.muted = muted
                entry.status = waits ? .pending : .connected
            }
            counters.joined(tenant: tenant.id)
            logger.info(
                waits ? (needsPIN ? "answered for PIN entry" : "waiting in the lobby") : "joined",
                metadata: [
                    "meeting": "\(id)", "endpoint": "\(endpoint)", "from": "\(identity.uri)", "user": "\(identity.user ?? "anonymous")",
                    "role": "\(seat.role.rawValue)",
                ])
            let key = AdmissionKey(conference: id, endpoint: endpoint)
            if waits {
                let stage: Admission.Stage = needsPIN ? .pin(digits: "", failures: 0) : .lobby
                await beginAdmission(
                    key,
                    Admission(
                        stage: stage, lobbyAfterPIN: needsPIN && seat.lobby, muted: muted, source: call.source))
            } else {
                await greetIfAlone(key, conference: conference)
            }
            persistCall(dialog.id)
            return true
        } catch {
            await mcu.removeEndpoint(id, endpoint)
            await giveBack(conference, endpoint: endpoint, seatTaken: true)
            await refuse(incoming, mediaRefusal(error), tenant: tenant.id)
            return false
        }
    }

    /// Undoes a reservation that did not become a call.
    func giveBack(_ conference: FocusConference, endpoint: EndpointID, seatTaken: Bool) async {
        await conference.remove(endpoint)
        releaseSeat(conference.id)
        await removeIfEmpty(conference, graceSeconds: seatTaken ? configuration.focus.emptyConferenceGraceSeconds : 0)
    }

    /// The answer for an MCU failure.
    func mediaRefusal(_ error: MCUControlError) -> JoinRefusal {
        let reason = String(error.reason.map { $0 == "\"" ? "'" : $0 })
        switch error.code {
        case .notAcceptable:
            return JoinRefusal(488, "Not Acceptable Here", metric: "media", headers: [("Warning", "399 consort \"\(reason)\"")])
        case .capacity:
            return JoinRefusal(503, "Service Unavailable (\(reason))", metric: "capacity", headers: [("Retry-After", "30")])
        case .notFound:
            return .notFound
        case .failed:
            return JoinRefusal(500, "Server Internal Error (\(reason))", metric: "failed")
        }
    }

    /// Answers a refused request and counts it.
    func refuse(_ incoming: SIPIncomingRequest, _ refusal: JoinRefusal, tenant: String?) async {
        // Counted every time; logged at info once a minute per source and kind (then at debug), so a flood of
        // refused requests cannot flood the log.
        let source = incoming.peer.host
        let first = refusalLog.withLock { $0.shouldLog("\(source)|\(refusal.metric)", now: clock.elapsedSeconds) }
        logger.log(
            level: first ? .info : .debug, "refused",
            metadata: [
                "method": "\(incoming.request.method.rawValue)", "uri": "\(incoming.request.uri)", "status": "\(refusal.status)",
                "reason": "\(refusal.reason)", "source": "\(source)",
            ])
        counters.joinFailed(tenant: tenant ?? "unknown", reason: refusal.metric)
        await incoming.respond(refusal.status, reason: refusal.reason, headers: refusal.headers.map { ($0.name, $0.value) })
    }

    /// re-INVITE or UPDATE (RFC 3311): a new offer (hold, resume, new keys or address, a session refresh) goes to the
    /// MCU, which answers it; the roster shows on-hold from the direction the MCU negotiated. The focus reads no SDP.
    func reinvite(_ incoming: SIPIncomingRequest, dialog: SIPDialogHandle) async {
        guard let member = calls.withLock({ $0[dialog.id] }) else {
            await incoming.respond(481)
            return
        }
        do {
            let body = incoming.request.body
            let response = try await mcu.modifyEndpoint(
                ModifyEndpointRequest(
                    conference: member.conference, endpoint: member.endpoint,
                    offer: body.isEmpty ? nil : String(decoding: body, as: UTF8.self),
                    advertisedAddress: advertisedAddress(for: incoming.request, arrivedOn: incoming.peer)))
            if let response {
                // A re-INVITE's answer is confirmed by its ACK (``acknowledged(_:)``); an UPDATE's has none.
                if incoming.request.method == .invite { calls.withLock { _ = $0.setAnswerUnconfirmed(dialog.id, true) } }
                await incoming.respond(200, body: Array(response.answer.utf8), contentType: "application/sdp")
            } else {
                await incoming.respond(200)
            }
            persistCall(dialog.id)
            if let response, let conference = existingConference(member.conference) {
                // Our direction recvonly or inactive: the phone holds the call (it sends nothing, or wants nothing).
                let accepted = response.media.filter(\.accepted)
                let held = !accepted.isEmpty && accepted.allSatisfy { $0.direction == "recvonly" || $0.direction == "inactive" }
                await conference.update(member.endpoint) { entry in
                    entry.onHold = held
                    entry.media = response.media
                }
            }
        } catch {
            let refusal = mediaRefusal(error)
            await incoming.respond(refusal.status, reason: refusal.reason, headers: refusal.headers.map { ($0.name, $0.value) })
        }
    }

    /// The ACK of a re-INVITE we answered with the MCU's SDP: the phone has our answer, so a new key of ours may be
    /// used from now on (RFC 4568 §7.1.4; the MCU held it back so nothing we sent was lost to the switch).
    func acknowledged(_ incoming: SIPIncomingRequest) async {
        guard let dialog = incoming.dialog,
            calls.withLock({ $0.setAnswerUnconfirmed(dialog.id, false) }),
            let member = calls.withLock({ $0[dialog.id] })
        else { return }
        _ = try? await mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: member.conference, endpoint: member.endpoint, answerConfirmed: true))
    }
}
