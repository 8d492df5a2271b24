import Logging
import MCUControl
import SIP
import SIPWire

extension Focus {
    /// SUBSCRIBE with `Event: conference` (RFC 4575): whoever may join the meeting may watch its roster; everyone else
    /// gets exactly the answer their INVITE would get. Inside a subscription's dialog it is a refresh, or with
    /// `Expires: 0` an unsubscribe.
    func subscribe(_ incoming: SIPIncomingRequest) async {
        let request = incoming.request
        guard request.event == "conference" else {
            await incoming.respond(489, reason: "Bad Event", headers: [("Allow-Events", "conference")])
            return
        }
        let seconds = subscriptions.grantedSeconds(request.expires)
        if let dialog = incoming.dialog {
            guard let conferenceID = subscriptions.conference(of: dialog.id) else {
                await incoming.respond(481, reason: "Subscription Does Not Exist")
                return
            }
            await incoming.respond(200, headers: [("Expires", "\(seconds)")])
            let snapshot = await currentSnapshot(conferenceID)
            if seconds == 0 {
                subscriptions.terminate(dialog.id, reason: nil, snapshot: snapshot)
            } else if subscriptions.refresh(dialog.id, seconds: seconds, snapshot: snapshot) {
                persistSubscription(dialog.id)
            }
            return
        }
        let accepted = request.headers.values("Accept").map { $0.lowercased().split(separator: ";").first.map(String.init) ?? "" }
        if !accepted.isEmpty, !accepted.contains(where: { $0.contains("application/conference-info+xml") }) {
            await incoming.respond(406, headers: [("Accept", "application/conference-info+xml")])
            return
        }
        guard let target = await resolveOrRefuse(incoming) else { return }
        let policy = target.tenant.policy.applying(target.meeting?.policy ?? MeetingPolicyOverrides())
        if policy.tlsRequired, incoming.peer.transport != .tls {
            await refuse(incoming, .tlsRequired, tenant: target.tenant.id)
            return
        }
        guard let identity = await identify(incoming, tenant: target.tenant, policy: policy) else { return }
        let id = ConferenceID(tenant: target.tenant.id, meeting: target.meetingID)
        if let live = existingConference(id), await live.locked, await !live.role(of: identity.user).controls {
            await refuse(incoming, .locked, tenant: target.tenant.id)
            return
        }
        let source = configuration.isTrustedSource(incoming.peer.host) ? nil : incoming.peer.host
        let limits = configuration.focus.limits
        if let refusal = subscriptions.reserve(
            source: source, conference: id, perSource: limits.subscriptionsPerSource, perConference: limits.subscriptionsPerConference)
        {
            await refuse(incoming, Self.subscriptionRefusal(refusal), tenant: target.tenant.id)
            return
        }
        guard let dialog = await incoming.respond(200, headers: [("Expires", "\(seconds)"), ("Contact", contact(for: id, incoming))]) else {
            subscriptions.cancel(source: source, conference: id)
            return
        }
        let snapshot = await currentSnapshot(id, meeting: target.meeting)
        // Over UDP an anonymous subscriber's address may be forged: it answers a small pending NOTIFY before the roster.
        let unproven = identity.user == nil && incoming.peer.transport == .udp
        subscriptions.add(dialog, conference: id, seconds: seconds, snapshot: snapshot, source: source, proveFirst: unproven)
        if seconds > 0 { persistSubscription(dialog.id) }
        logger.info("subscribed", metadata: ["meeting": "\(id)", "from": "\(identity.uri)", "expires": "\(seconds)"])
    }

    /// The answer for a subscription over a limit: load, so 503 with Retry-After.
    static func subscriptionRefusal(_ refusal: SubscriptionRefusal) -> JoinRefusal {
        switch refusal {
        case .perSource(let limit):
            return JoinRefusal(
                503, "Service Unavailable (\(limit) subscriptions from this address already)", metric: "subscriptionsPerSource",
                headers: [("Retry-After", "60")])
        case .perConference(let limit):
            return JoinRefusal(
                503, "Service Unavailable (the conference has \(limit) subscribers already)", metric: "subscriptionsPerConference",
                headers: [("Retry-After", "60")])
        }
    }

    /// The conference's state: the live roster, or an empty one for a meeting nobody is in.
    func currentSnapshot(_ id: ConferenceID, meeting: ScheduledMeeting? = nil) async -> ConferenceSnapshot {
        if let live = existingConference(id) { return await live.snapshot() }
        let scheduled = meeting ?? directory.meeting(tenant: id.tenant, id: id.meeting)
        let tenant = directory.tenant(id: id.tenant)
        let policy = (tenant?.policy ?? MeetingPolicy()).applying(scheduled?.policy ?? MeetingPolicyOverrides())
        return ConferenceSnapshot(
            id: id, uri: conferenceURI(id, tenant: tenant), subject: scheduled?.subject ?? id.meeting,
            maxParticipants: policy.maxParticipants, locked: false, active: false, roster: [])
    }
}
