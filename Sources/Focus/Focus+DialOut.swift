import Logging
public import MCUControl
import SIP
import SIPWire

/// Dial-out (the C3P addUser when the focus calls the user): the focus INVITEs a SIP URI with an offer from the MCU.
/// A tenant user's address reaches their registered contacts (tried in turn); any other URI goes to its host, or
/// through `focus.outboundProxy`. The roster shows dialing-out → alerting → connected, or disconnected with the reason.
extension Focus {
    /// What became of a dial-out, for REFER's NOTIFY (a sipfrag status line) and logs.
    typealias DialOutProgress = @Sendable (_ status: Int, _ reason: String) async -> Void

    /// The live conference of a meeting, started (without participants) when it is not live yet; 404 for a meeting
    /// that does not exist in the tenant (ad hoc meetings are created when the tenant allows them).
    public func conference(tenant: String, id: String) throws(ControlError) -> FocusConference {
        guard let record = directory.tenant(id: tenant) else { throw ControlError(.notFound, "no such meeting") }
        do {
            let meeting = try scheduledMeeting(id, of: record)
            return conference(ConferenceID(tenant: tenant, meeting: id), tenant: record, meeting: meeting)
        } catch {
            throw ControlError(.notFound, "no such meeting")
        }
    }

    /// Calls `uri` into the conference and returns its endpoint at once; the call proceeds in the background.
    public func dialOut(_ conference: FocusConference, to uri: String, requestedBy: String?) async throws(ControlError) -> EndpointID {
        try await startDialOut(conference, to: uri, requestedBy: requestedBy, progress: nil)
    }

    func startDialOut(
        _ conference: FocusConference, to text: String, requestedBy: String?, progress: DialOutProgress?
    ) async throws(ControlError) -> EndpointID {
        guard let uri = SIPURI(text), uri.scheme != .tel, uri.user != nil || !uri.host.isEmpty else {
            throw ControlError(.invalid, "\(text) is not a SIP URI")
        }
        let tenant = conference.tenant
        let user = uri.user.flatMap { name in
            tenant.ownsDomain(uri.host) ? directory.user(tenant: tenant.id, name: name) : nil
        }
        let who = requestedBy ?? "admin"
        do throws(ControlError) {
            try await admitDialOut(to: uri, user: user, tenant: tenant)
        } catch {
            logger.notice(
                "dial-out refused", metadata: ["meeting": "\(conference.id)", "to": "\(text)", "by": "\(who)", "reason": "\(error.reason)"])
            counters.joinFailed(tenant: tenant.id, reason: "dialOutPolicy")
            throw error
        }
        let found = try await dialTargets(for: uri, user: user, tenant: tenant)
        // A meeting that requires TLS keeps its signalling (and its SDES keys) out of the clear, outward too.
        let targets = conference.policy.tlsRequired ? found.filter { $0.1?.transport == .tls } : found
        if conference.policy.tlsRequired {
            guard !targets.isEmpty else {
                logger.notice("dial-out refused", metadata: ["meeting": "\(conference.id)", "to": "\(text)", "by": "\(requestedBy ?? "admin")", "reason": "tlsRequired"])
                counters.joinFailed(tenant: tenant.id, reason: "tlsRequired")
                throw ControlError(.forbidden, "this meeting requires TLS, and \(uri) is not reached over TLS (use sips: or ;transport=tls)")
            }
        }
        let endpoint = EndpointID.random(prefix: "dialout-")
        do throws(JoinRefusal) {
            try reserveUsage(tenant, conference: conference.id)
        } catch {
            throw ControlError(.conflict, error.reason)
        }
        let identity = CallerIdentity(user: user?.name, uri: user.map { "sip:\($0.name)@\(tenant.realm)" } ?? uri.addressOfRecord, displayName: user?.displayName)
        do throws(JoinRefusal) {
            _ = try await conference.reserve(endpoint, identity: identity, method: .dialedOut, now: clock.now())
        } catch {
            releaseSeat(conference.id)
            throw ControlError(.conflict, error.reason)
        }
        logger.info("dialing out", metadata: ["meeting": "\(conference.id)", "to": "\(text)", "by": "\(who)"])
        work.start { [self] in
            await placeCall(conference, endpoint: endpoint, targets: targets, progress: progress)
        }
        return endpoint
    }

    /// The tenant's dial-out policy for a URI that is not one of its users, then its rate and concurrency limits.
    private func admitDialOut(to uri: SIPURI, user: TenantUser?, tenant: Tenant) async throws(ControlError) {
        let policy = tenant.dialOut
        if user == nil,
            case .refused(let why) = policy.route(
                for: uri, ownDomains: tenant.domains, hasProxy: configuration.focus.outboundProxy != nil)
        {
            throw ControlError(.forbidden, "the tenant's dial-out policy refuses \(uri): \(why)")
        }
        var active = 0
        for live in liveConferences(tenant: tenant.id) {
            active += await live.roster.count { $0.joiningMethod == .dialedOut && $0.isPresent }
        }
        guard active < policy.concurrent else {
            throw ControlError(.conflict, "the tenant has \(policy.concurrent) dial-out calls already (dialOut.concurrent)")
        }
        let now = clock.elapsedSeconds
        let admitted = dialOutStarts.withLock { table -> Bool in
            var recent = (table[tenant.id] ?? []).filter { now - $0 < 60 }
            guard recent.count < policy.perMinute else {
                table[tenant.id] = recent
                return false
            }
            recent.append(now)
            table[tenant.id] = recent
            return true
        }
        guard admitted else { throw ControlError(.conflict, "the tenant started \(policy.perMinute) dial-outs in the last minute (dialOut.perMinute)") }
    }

    /// Where to send the INVITE: Request-URI and next hop. Every address found (a user's registrations, DNS) must be
    /// one the tenant's dial-out policy permits; the outbound proxy, set by the operator, is trusted.
    private func dialTargets(for uri: SIPURI, user: TenantUser?, tenant: Tenant) async throws(ControlError) -> [(SIPURI, SIPPeer?)] {
        let policy = tenant.dialOut
        if let user {
            let bindings: [Registration]
            do {
                bindings = try await store.registrations(tenant: tenant.id, user: user.name, now: clock.now())
            } catch {
                throw ControlError(.failed, "registrations: \(error.reason)")
            }
            let contacts = bindings.sorted { $0.expires > $1.expires }.compactMap { SIPURI($0.contact) }
            guard !contacts.isEmpty else { throw ControlError(.notFound, "\(user.name) is not registered") }
            var targets: [(SIPURI, SIPPeer?)] = []
            for contact in contacts {
                for peer in await agent.resolver.locate(contact) where policy.permits(address: peer.host) { targets.append((contact, peer)) }
            }
            guard !targets.isEmpty else {
                throw ControlError(.forbidden, "\(user.name) is registered only at addresses the tenant's dial-out policy refuses")
            }
            return targets
        }
        if let proxy = configuration.focus.outboundProxy.flatMap(SIPURI.init) {
            guard let peer = await agent.resolver.locate(proxy).first else {
                throw ControlError(.failed, "cannot resolve the outbound proxy \(proxy)")
            }
            return [(uri, peer)]
        }
        // RFC 3263: the URI's host by SRV, then A; each permitted server found is tried in turn.
        let found = await agent.resolver.locate(uri)
        guard !found.isEmpty else { throw ControlError(.notFound, "cannot locate a SIP server for \(uri.host)") }
        let peers = found.filter { policy.permits(address: $0.host) }
        guard !peers.isEmpty else {
            throw ControlError(.forbidden, "\(uri.host) resolves only to addresses the tenant's dial-out policy refuses")
        }
        return peers.map { (uri, $0) }
    }

    private func placeCall(
        _ conference: FocusConference, endpoint: EndpointID, targets: [(SIPURI, SIPPeer?)], progress: DialOutProgress?
    ) async {
        let policy = conference.policy
        let offer: AddEndpointResponse
        do {
            try await placeOnMCU(conference)
            let mediaRequest = AddEndpointRequest(
                conference: conference.id, endpoint: endpoint, offer: nil,
                advertisedAddress: configuration.advertisedAddress ?? configuration.fallbackAddress,
                policy: EndpointPolicy(allowVideo: policy.videoAllowed, allowPlainRTP: policy.plainRTPAllowed), label: endpoint.value)
            offer = try await mcu.addEndpoint(mediaRequest)
            rememberMedia(mediaRequest)
        } catch {
            await failDialOut(conference, endpoint: endpoint, status: 500, reason: "media: \(error.reason)", progress: progress)
            return
        }
        let from = SIPNameAddress(displayName: conference.meeting?.subject, uri: SIPURI(user: conference.id.meeting, host: conference.tenant.domains.first ?? configuration.contactHost))
        var last = (480, "Temporarily Unavailable")
        for (target, peer) in targets {
            do {
                let call = try await agent.invite(
                    target, from: from, body: Array(offer.answer.utf8), via: peer,
                    onProvisional: { response in
                        guard response.statusCode == 180 || response.statusCode == 183 else { return }
                        self.work.start { await conference.update(endpoint) { $0.status = .alerting } }
                    })
                let answer = String(decoding: call.response.body, as: UTF8.self)
                let media = try await mcu.modifyEndpoint(
                    ModifyEndpointRequest(conference: conference.id, endpoint: endpoint, answer: answer, signallingSource: peer?.address.ipAddress))
                calls.withLock { $0.add(call.dialog.id, Membership(conference: conference.id, endpoint: endpoint)) }
                await conference.setDialog(call.dialog, for: endpoint)
                await conference.update(endpoint) { entry in
                    entry.status = .connected
                    entry.media = media?.media ?? offer.media
                }
                counters.joined(tenant: conference.id.tenant)
                persistCall(call.dialog.id)
                logger.info("dial-out answered", metadata: ["meeting": "\(conference.id)", "to": "\(target)"])
                await progress?(200, "OK")
                return
            } catch let error as SIPError {
                if let response = error.response { last = (response.statusCode, response.reason) } else { last = (408, "Request Timeout") }
                logger.info("dial-out attempt failed", metadata: ["to": "\(target)", "reason": "\(error)"])
            } catch let error as MCUControlError {
                last = (488, "Not Acceptable Here (\(error.reason))")
                break
            } catch {
                last = (500, "\(error)")
            }
        }
        await failDialOut(conference, endpoint: endpoint, status: last.0, reason: last.1, progress: progress)
    }

    /// Shows the failure in the roster for a few seconds, then frees the seat.
    private func failDialOut(
        _ conference: FocusConference, endpoint: EndpointID, status: Int, reason: String, progress: DialOutProgress?
    ) async {
        counters.joinFailed(tenant: conference.id.tenant, reason: "dialOut")
        logger.info("dial-out failed", metadata: ["meeting": "\(conference.id)", "status": "\(status)", "reason": "\(reason)"])
        await conference.update(endpoint) { entry in
            entry.status = .disconnected
            entry.reason = "\(status) \(reason)"
        }
        await progress?(status, reason)
        _ = await work.sleep(seconds: 5)
        await drop(endpoint, from: conference, reason: "dial-out failed")
    }
}
