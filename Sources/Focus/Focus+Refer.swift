import Logging
import MCUControl
import SIP
import SIPWire

/// REFER to the focus (RFC 4579 §5.5, RFC 3515): an organizer or presenter adds someone (Refer-To: their URI — the
/// focus dials out) or removes a participant (Refer-To: their URI with `method=BYE`). The REFER is answered 202 and
/// its progress reported by NOTIFY with a message/sipfrag status line; the last one ends the implicit subscription.
extension Focus {
    func refer(_ incoming: SIPIncomingRequest) async {
        let request = incoming.request
        guard let referTo = request.referTo else {
            await incoming.respond(400, reason: "Bad Request (Refer-To is missing or malformed)")
            return
        }
        // The conference and whether the referrer may control it.
        let conference: FocusConference
        let referrer: String?
        if let dialog = incoming.dialog {
            guard let member = calls.withLock({ $0[dialog.id] }), let live = existingConference(member.conference),
                let entry = await live.entry(member.endpoint)
            else {
                await incoming.respond(481)
                return
            }
            guard entry.role.controls else {
                await incoming.respond(403, reason: "Forbidden (only organizers and presenters may add or remove participants)")
                return
            }
            conference = live
            referrer = entry.user
        } else {
            guard let target = await resolveOrRefuse(incoming) else { return }
            // Controlling a conference from outside it always needs credentials.
            var strict = target.tenant.policy
            strict.anonymousJoin = false
            guard let identity = await identify(incoming, tenant: target.tenant, policy: strict) else { return }
            guard let found = try? self.conference(tenant: target.tenant.id, id: target.meetingID), await found.mayControl(identity.user) else {
                await incoming.respond(403, reason: "Forbidden (only organizers and presenters may add or remove participants)")
                return
            }
            conference = found
            referrer = identity.user
        }
        let wantsBYE = referTo.uri.parameter("method").flatMap { $0 }?.uppercased() == "BYE"
        var targetURI = referTo.uri
        targetURI.parameters.removeAll { $0.name.lowercased() == "method" }
        targetURI.headers = []

        if wantsBYE {
            guard let victim = await participant(matching: targetURI, in: conference) else {
                await incoming.respond(404, reason: "Not Found (no such participant)")
                return
            }
            let dialog = await incoming.respond(202, headers: [("Contact", contact(for: conference.id, incoming))]) ?? incoming.dialog
            await notifyRefer(dialog, status: 100, reason: "Trying", final: false)
            do {
                try await eject(conference, endpoint: victim.endpoint)
                await notifyRefer(dialog, status: 200, reason: "OK", final: true, endsDialog: incoming.dialog == nil)
            } catch {
                await notifyRefer(dialog, status: 500, reason: error.reason, final: true, endsDialog: incoming.dialog == nil)
            }
            logger.info("REFER: removed", metadata: ["meeting": "\(conference.id)", "who": "\(targetURI)", "by": "\(referrer ?? "?")"])
            return
        }
        let dialog = await incoming.respond(202, headers: [("Contact", contact(for: conference.id, incoming))]) ?? incoming.dialog
        await notifyRefer(dialog, status: 100, reason: "Trying", final: false)
        let endsDialog = incoming.dialog == nil
        do {
            _ = try await startDialOut(conference, to: targetURI.description, requestedBy: referrer) { [self] status, reason in
                await notifyRefer(dialog, status: status, reason: reason, final: true, endsDialog: endsDialog)
            }
        } catch {
            let status = error.code == .notFound ? 404 : (error.code == .invalid ? 400 : 503)
            await notifyRefer(dialog, status: status, reason: error.reason, final: true, endsDialog: endsDialog)
        }
    }

    /// The participant a URI names: same user and host (parameters ignored), or the tenant user of that name.
    func participant(matching uri: SIPURI, in conference: FocusConference) async -> RosterEntry? {
        let plain = uri.addressOfRecord.lowercased()
        let roster = await conference.roster
        if let exact = roster.first(where: { $0.uri.lowercased() == plain }) { return exact }
        guard conference.tenant.ownsDomain(uri.host), let name = uri.user else { return nil }
        return roster.first { $0.user == name }
    }

    /// A NOTIFY for the implicit refer subscription (RFC 3515 §2.4.4) with a sipfrag status line.
    func notifyRefer(_ dialog: SIPDialogHandle?, status: Int, reason: String, final: Bool, endsDialog: Bool = false) async {
        guard let dialog else { return }
        let state = final ? "terminated;reason=noresource" : "active;expires=60"
        let phrase = reason.filter { $0 != "\r" && $0 != "\n" }
        _ = try? await dialog.request(
            .notify, headers: [("Event", "refer"), ("Subscription-State", state)], body: Array("SIP/2.0 \(status) \(phrase)\r\n".utf8),
            contentType: "message/sipfrag;version=2.0")
        if final && endsDialog { await dialog.end(reason: "refer subscription terminated") }
    }
}
