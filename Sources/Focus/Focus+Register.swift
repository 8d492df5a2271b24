import Logging
import SIP
import SIPWire

/// The registrar (RFC 3261 §10) of each tenant's users: REGISTER to the tenant's domain, digest in its realm, as the
/// user whose address is in To; bindings live in the store until they expire, and dial-out to the user reaches them.
extension Focus {
    /// The shortest registration accepted (423 Interval Too Brief below it).
    static let minRegistrationSeconds = 60

    func register(_ incoming: SIPIncomingRequest) async {
        let request = incoming.request
        guard let tenant = directory.tenant(forHost: request.uri.host), let to = request.to, let aor = to.uri.user, !aor.isEmpty else {
            await incoming.respond(404, reason: "Not Found (no such user)")
            return
        }
        // Challenge first, whoever the address names, so a REGISTER cannot probe which users exist; only an
        // authenticated user may register, and only their own address in the tenant's domain.
        guard let user = await authenticate(incoming, tenant: tenant) else { return }
        let ownDomain = tenant.domains.isEmpty || tenant.ownsDomain(to.uri.host)
        guard user == aor, ownDomain else {
            logger.notice("REGISTER for another address refused", metadata: ["tenant": "\(tenant.id)", "user": "\(user)", "aor": "\(to.uri)"])
            await incoming.respond(403, reason: "Forbidden (you may register only your own address)")
            return
        }
        let callID = request.callID ?? ""
        let cseq = request.cseq?.sequence ?? 0
        let now = clock.now()
        do {
            if request.isWildcardContact {
                guard request.expires == 0 else {
                    await incoming.respond(400, reason: "Bad Request (Contact: * needs Expires: 0)")
                    return
                }
                try await store.removeRegistrations(tenant: tenant.id, user: aor, contact: nil)
                logger.info("unregistered", metadata: ["tenant": "\(tenant.id)", "user": "\(aor)"])
            } else {
                // A user's bindings are bounded: each one is a target the focus calls on dial-out.
                let limit = configuration.focus.limits.bindingsPerAddressOfRecord
                let existing = Set(try await store.registrations(tenant: tenant.id, user: aor, now: now).map(\.contact))
                let added = Set(request.contacts.filter { ($0.parameter("expires").flatMap { $0.flatMap { Int($0) } } ?? request.expires ?? 3600) > 0 }
                    .map(\.uri.description)).subtracting(existing)
                if existing.count + added.count > limit {
                    logger.notice(
                        "REGISTER over the bindings limit refused",
                        metadata: ["tenant": "\(tenant.id)", "user": "\(aor)", "bindings": "\(existing.count)", "limit": "\(limit)"])
                    counters.joinFailed(tenant: tenant.id, reason: "bindingsPerAddressOfRecord")
                    await incoming.respond(403, reason: "Forbidden (at most \(limit) registered contacts per address)")
                    return
                }
                for contact in request.contacts {
                    let asked = contact.parameter("expires").flatMap { $0.flatMap { Int($0) } } ?? request.expires ?? 3600
                    if asked > 0 && asked < Self.minRegistrationSeconds {
                        await incoming.respond(423, reason: "Interval Too Brief", headers: [("Min-Expires", "\(Self.minRegistrationSeconds)")])
                        return
                    }
                    let uri = contact.uri.description
                    if asked == 0 {
                        try await store.removeRegistrations(tenant: tenant.id, user: aor, contact: uri)
                        continue
                    }
                    let seconds = min(asked, configuration.focus.maxRegistrationSeconds)
                    try await store.saveRegistration(
                        Registration(tenant: tenant.id, user: aor, contact: uri, callID: callID, cseq: cseq, expires: now + Double(seconds)))
                    logger.info("registered", metadata: ["tenant": "\(tenant.id)", "user": "\(aor)", "contact": "\(uri)", "expires": "\(seconds)"])
                }
            }
            let bindings = try await store.registrations(tenant: tenant.id, user: aor, now: now)
            let headers = bindings.map { ("Contact", "<\($0.contact)>;expires=\(max(0, Int($0.expires - now)))") }
            await incoming.respond(200, headers: headers)
        } catch {
            logger.error("registrar store failed", metadata: ["reason": "\(error.reason)"])
            await incoming.respond(500, reason: "Server Internal Error (registration store: \(error.reason))")
        }
    }

    /// Deletes lapsed bindings every minute.
    func purgeRegistrationsPeriodically() {
        work.start { [weak self, work] in
            while await work.sleep(seconds: 60) {
                guard let self else { return }
                _ = try? await self.store.purgeExpiredRegistrations(now: self.clock.now())
            }
        }
    }
}
