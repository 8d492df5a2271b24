import NIOCore
import SIPWire

extension SIPStack {
    /// Creates (or confirms) the dialog a 1xx/2xx to INVITE, SUBSCRIBE or REFER establishes on our side (RFC 3261 §12.1.1).
    func establishServerDialog(for request: SIPRequest, response: SIPResponse, peer: SIPPeer) -> SIPDialogID? {
        guard let callID = request.callID, let from = request.from, let remoteTag = from.tag, let to = response.to,
            let localTag = to.tag
        else { return nil }
        let id = SIPDialogID(callID: callID, localTag: localTag, remoteTag: remoteTag)
        let confirmed = response.statusCode >= 200
        if let existing = dialogs[id] {
            if confirmed { existing.phase = .confirmed }
            return id
        }
        let remoteTarget = request.contacts.first?.uri ?? from.uri
        let contact = response.contacts.first ?? localContact(for: peer)
        let dialog = SIPDialogState(
            id: id, isServer: true, localURI: to, remoteURI: from, remoteTarget: remoteTarget,
            routeSet: request.recordRoutes, localCSeq: 0, remoteCSeq: request.cseq?.sequence, peer: peer,
            localContact: contact, confirmed: confirmed)
        dialog.inviteCSeq = request.cseq?.sequence ?? 0
        dialog.peerAllowsUpdate = request.allow.contains(.update)
        dialog.lastLocalBody = response.body
        dialog.lastLocalContentType = response.contentType
        dialogs[id] = dialog
        return id
    }

    /// RFC 3261 §13.3.1.4: the UAS retransmits its 2xx (T1 doubling to T2) until the ACK arrives; after 64·T1 it
    /// gives up and ends the session with BYE.
    func start2xxRetransmission(_ dialog: SIPDialogState, buffer: ByteBuffer, cseq: UInt32, reliable: Bool) {
        dialog.pending2xx = buffer
        dialog.pending2xxCSeq = cseq
        dialog.pending2xxInterval = timers.t1
        dialog.pending2xxElapsed = .zero
        schedule2xx(dialog, reliable: reliable)
    }

    private func schedule2xx(_ dialog: SIPDialogState, reliable: Bool) {
        let delay = reliable ? timers.h : dialog.pending2xxInterval
        dialog.pending2xxTimer = schedule(in: delay) { [weak self] in
            guard let self, let buffer = dialog.pending2xx, dialog.phase != .terminated else { return }
            dialog.pending2xxElapsed = dialog.pending2xxElapsed + delay
            if reliable || dialog.pending2xxElapsed >= self.timers.h {
                dialog.pending2xx = nil
                if reliable {
                    self.logger.info("no ACK for 2xx within 64*T1: ending the session", metadata: ["dialog": "\(dialog.id)"])
                    self.sendBYE(dialog, reason: "no ACK received")
                } else {
                    // Over UDP the INVITE's source may be forged: a BYE (retransmitted for 64*T1) to an address that
                    // never answered would send it far more than it sent us. The session just ends here.
                    self.logger.info("no ACK for 2xx within 64*T1: ending the session without BYE", metadata: ["dialog": "\(dialog.id)"])
                    self.terminateDialog(dialog.id, reason: "no ACK received")
                }
                return
            }
            if let budget = dialog.retransmitBudget {
                if buffer.readableBytes <= budget {
                    dialog.retransmitBudget = budget - buffer.readableBytes
                    _ = self.send(buffer, to: dialog.peer)
                }
            } else {
                _ = self.send(buffer, to: dialog.peer)
            }
            dialog.pending2xxInterval = SIPTimers.doubled(dialog.pending2xxInterval, cap: self.timers.t2)
            self.schedule2xx(dialog, reliable: reliable)
        }
    }

    /// Ends a dialog and tells the application.
    func terminateDialog(_ id: SIPDialogID, reason: String) {
        guard let dialog = dialogs.removeValue(forKey: id) else { return }
        dialog.phase = .terminated
        dialog.cancelTimers()
        logger.debug("dialog ended", metadata: ["dialog": "\(id)", "reason": "\(reason)"])
        dialogTerminated?(id, reason)
    }

    /// Sends BYE in `dialog` without waiting for the answer, and ends the dialog.
    func sendBYE(_ dialog: SIPDialogState, reason: String) {
        let request = makeInDialogRequest(dialog, method: .bye)
        _ = startClientTransaction(request, to: dialog.peer, onProvisional: nil)
        terminateDialog(dialog.id, reason: reason)
    }

    /// A request inside `dialog` (RFC 3261 §12.2.1.1): Request-URI is the remote target, Route the route set,
    /// CSeq one more than the last.
    func makeInDialogRequest(_ dialog: SIPDialogState, method: SIPMethod, body: [UInt8] = [], contentType: String? = nil)
        -> SIPRequest
    {
        if method != .ack && method != .cancel { dialog.localCSeq &+= 1 }
        var headers = SIPHeaders()
        headers.add("Max-Forwards", "70")
        headers.add("From", dialog.localURI.description)
        headers.add("To", dialog.remoteURI.description)
        headers.add("Call-ID", dialog.id.callID)
        headers.add("CSeq", SIPCSeq(method == .ack ? dialog.inviteCSeq : dialog.localCSeq, method).description)
        for route in dialog.routeSet { headers.add("Route", route.description) }
        headers.add("Contact", dialog.localContact.description)
        headers.add("User-Agent", configuration.userAgent)
        if let contentType, !body.isEmpty { headers.add("Content-Type", contentType) }
        return SIPRequest(method: method, uri: dialog.remoteTarget, headers: headers, body: body)
    }

    // MARK: - RFC 4028 session timers

    /// Adds Session-Expires to a 2xx for an INVITE that asked for a session timer. We let the client refresh unless it
    /// asked us to; a client that does not support timers gets none (RFC 4028 §9).
    func applySessionTimer(to response: inout SIPResponse, for request: SIPRequest) {
        guard let asked = request.sessionExpires, request.supported.contains(where: { $0.lowercased() == "timer" })
            || request.require.contains(where: { $0.lowercased() == "timer" })
        else { return }
        let interval = max(asked.seconds, configuration.minSessionExpires)
        let refresher = asked.refresher?.lowercased() == "uas" ? "uas" : "uac"
        response.headers.set("Session-Expires", "\(interval);refresher=\(refresher)")
        if !response.require.contains("timer") { response.headers.add("Require", "timer") }
    }

    /// Starts or restarts the session timer of a dialog after a 2xx that carried Session-Expires.
    func armSessionTimer(_ dialog: SIPDialogState, response: SIPResponse, weAreServer: Bool) {
        dialog.sessionTimer?.cancel()
        guard let se = response.sessionExpires else { return }
        let refresher = se.refresher?.lowercased() ?? "uac"
        dialog.sessionInterval = se.seconds
        dialog.weRefresh = (refresher == "uas") == weAreServer
        if dialog.weRefresh {
            dialog.sessionTimer = schedule(in: .seconds(Int64(max(1, se.seconds / 2)))) { [weak self] in
                self?.refreshSession(dialog)
            }
        } else {
            // RFC 4028 §10: without a refresh by expiry minus min(32 s, interval/3), the session is over.
            let grace = min(32, se.seconds / 3)
            dialog.sessionTimer = schedule(in: .seconds(Int64(max(1, se.seconds - grace)))) { [weak self] in
                self?.logger.info("session timer expired without refresh: sending BYE", metadata: ["dialog": "\(dialog.id)"])
                self?.sendBYE(dialog, reason: "session expired (RFC 4028)")
            }
        }
    }

    /// An incoming re-INVITE or UPDATE refreshes the session.
    func noteSessionRefresh(_ dialog: SIPDialogState, request: SIPRequest) {
        guard dialog.sessionInterval != nil, !dialog.weRefresh else { return }
        var synthetic = SIPResponse(statusCode: 200)
        let interval = request.sessionExpires?.seconds ?? dialog.sessionInterval ?? 1800
        synthetic.headers.add("Session-Expires", "\(interval);refresher=\(dialog.isServer ? "uac" : "uas")")
        armSessionTimer(dialog, response: synthetic, weAreServer: dialog.isServer)
    }

    /// We are the refresher: an UPDATE without a body when the peer allows it, else a re-INVITE with our last SDP.
    func refreshSession(_ dialog: SIPDialogState) {
        guard dialog.phase == .confirmed, let interval = dialog.sessionInterval else { return }
        let method: SIPMethod = dialog.peerAllowsUpdate ? .update : .invite
        var request =
            method == .update
            ? makeInDialogRequest(dialog, method: .update)
            : makeInDialogRequest(dialog, method: .invite, body: dialog.lastLocalBody, contentType: dialog.lastLocalContentType)
        request.headers.add("Session-Expires", "\(interval);refresher=\(dialog.isServer ? "uas" : "uac")")
        request.headers.add("Supported", "timer")
        let isServer = dialog.isServer
        startClientTransaction(request, to: dialog.peer, onProvisional: nil).whenComplete { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let response) where (200..<300).contains(response.statusCode):
                if method == .invite { self.sendACK(for: response, dialog: dialog) }
                self.armSessionTimer(dialog, response: response, weAreServer: isServer)
            default:
                self.sendBYE(dialog, reason: "session refresh failed")
            }
        }
    }
}
