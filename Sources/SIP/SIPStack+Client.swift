import NIOCore
import SIPWire

extension SIPStack {
    /// Sends `request` in a new client transaction: adds our Via (fresh branch, rport), retransmits over UDP
    /// (timers A/E), times out after 64·T1 (B/F). The future gets the final response; 1xx go to `onProvisional`.
    @discardableResult
    func startClientTransaction(
        _ original: SIPRequest, to peer: SIPPeer, onProvisional: (@Sendable (SIPResponse) -> Void)?, branch: String? = nil,
        probe: Bool = false
    ) -> EventLoopFuture<SIPResponse> {
        eventLoop.preconditionInEventLoop()
        guard !stopped else {
            return eventLoop.makeFailedFuture(SIPError(.notRunning, "the SIP stack stopped before \(original.method.rawValue) was sent"))
        }
        var request = original
        let branch = branch ?? SIPIdentifiers.branch()
        request.headers.insertFirst("Via", localVia(for: peer, branch: branch).description)
        if !request.headers.contains("Max-Forwards") { request.headers.add("Max-Forwards", "70") }
        var buffer = ByteBufferAllocator().buffer(capacity: 1_024)
        buffer.writeBytes(request.serialized())
        let promise = eventLoop.makePromise(of: SIPResponse.self)
        let method = request.method
        let t = ClientTransaction(
            key: TransactionKey.client(branch: branch, method: method), request: request, serialized: buffer, peer: peer,
            timers: timers, promise: promise, onProvisional: onProvisional)
        if method == .ack {
            // ACK for a 2xx is not a transaction (RFC 3261 §17.1.1.3): send and forget.
            send(buffer, to: peer).whenFailure { [logger] _ in logger.debug("ACK could not be sent") }
            promise.succeed(SIPResponse(statusCode: 200))
            return promise.futureResult
        }
        clientTransactions[t.key] = t
        // A probe is sent once: with the 2xx already sent, a second copy would take a forged source's return past
        // 3x the bytes it sent (a lost probe ends the subscription; its refresh gets 481 and it subscribes again).
        if probe { t.retransmissionsLeft = 0 }
        send(buffer, to: peer).whenFailure { [weak self] error in
            self?.failClient(t, SIPError(.transportFailure, "could not send \(method.rawValue) to \(peer): \(error)"))
        }
        if !peer.transport.isReliable { scheduleRetransmission(t) }
        // A probe gives up after 4·T1: an unproven peer that does not answer it is not waited for.
        t.timers.append(schedule(in: probe ? timers.t1 * 4 : (t.isInvite ? timers.b : timers.f)) { [weak self] in
            guard let self, t.state == .calling || t.state == .trying || t.state == .proceeding else { return }
            self.counters.timeouts &+= 1
            let which = t.isInvite ? "B" : "F"
            self.failClient(t, SIPError(.timeout, "no final response to \(method.rawValue) from \(peer) within 64*T1 (timer \(which))"))
        })
        return promise.futureResult
    }

    private func scheduleRetransmission(_ t: ClientTransaction) {
        t.timers.append(schedule(in: t.retransmitInterval) { [weak self] in
            guard let self else { return }
            let retransmit = t.isInvite ? t.state == .calling : (t.state == .trying || t.state == .proceeding)
            guard retransmit else { return }
            if let left = t.retransmissionsLeft {
                guard left > 0 else { return }
                t.retransmissionsLeft = left - 1
            }
            _ = self.send(t.serialized, to: t.peer)
            // INVITE doubles without a cap; non-INVITE caps at T2, and in Proceeding stays at T2 (§17.1.2.2).
            t.retransmitInterval = t.isInvite
                ? t.retransmitInterval * 2
                : (t.state == .proceeding ? self.timers.t2 : SIPTimers.doubled(t.retransmitInterval, cap: self.timers.t2))
            self.scheduleRetransmission(t)
        })
    }

    /// The stack is stopping: every request still waiting for its answer fails now (nobody waits on a stopped
    /// stack), none starts from now on, and no timer is left to fire on a loop that is shutting down.
    func abandonClientTransactions() {
        stopped = true
        for t in Array(clientTransactions.values) {
            failClient(t, SIPError(.transportFailure, "the SIP stack stopped before \(t.request.method.rawValue) was answered"))
        }
        for t in serverTransactions.values { t.cancelTimers() }
        serverTransactions.removeAll()
    }

    func failClient(_ t: ClientTransaction, _ error: SIPError) {
        guard t.state != .terminated else { return }
        t.state = .terminated
        t.cancelTimers()
        clientTransactions[t.key] = nil
        t.promise.fail(error)
    }

    /// RFC 3261 §17.1.3 matching by branch and CSeq method, then the client state machines.
    func receiveResponse(_ response: SIPResponse, from peer: SIPPeer) {
        guard let via = response.topVia, let branch = via.branch, let cseq = response.cseq else {
            counters.strayResponses &+= 1
            return
        }
        guard let t = clientTransactions[TransactionKey.client(branch: branch, method: cseq.method)] else {
            // A 2xx retransmitted after the transaction ended: ACK it again from the dialog (§13.2.2.4).
            if cseq.method == .invite, (200..<300).contains(response.statusCode), let dialog = clientDialog(for: response),
                let ack = dialog.lastACK, dialog.lastACKCSeq == cseq.sequence
            {
                _ = send(ack, to: dialog.peer)
            } else {
                counters.strayResponses &+= 1
            }
            return
        }
        let status = response.statusCode
        if status < 200 {
            if t.state == .calling || t.state == .trying { t.state = .proceeding }
            t.onProvisional?(response)
            return
        }
        // The dialog exists from the moment its 2xx arrives, so a NOTIFY or BYE racing the application finds it. Only
        // the first final response makes it: a retransmitted 2xx arriving after a quick BYE must not bring it back.
        let firstFinal = t.isInvite ? !t.finalDelivered && t.state != .completed : t.state != .completed
        if (200..<300).contains(status), [.invite, .subscribe, .refer].contains(t.request.method) {
            guard firstFinal else {
                // RFC 6026 §8.4: a 2xx retransmitted in Accepted is ACKed again from the dialog, if it is still there.
                if t.isInvite, let dialog = clientDialog(for: response), let ack = dialog.lastACK, dialog.lastACKCSeq == cseq.sequence {
                    _ = send(ack, to: dialog.peer)
                }
                return
            }
            _ = establishClientDialog(request: t.request, response: response, peer: t.peer)
        }
        if t.isInvite {
            if status < 300 {
                guard !t.finalDelivered else { return }
                t.finalDelivered = true
                t.state = .accepted
                endLater(t, after: timers.m)
                t.promise.succeed(response)
                return
            }
            // §17.1.1.3: ACK a non-2xx final response within the transaction, and absorb its retransmissions.
            sendACK(forFailure: response, of: t)
            guard t.state != .completed else { return }
            t.state = .completed
            endLater(t, after: t.peer.transport.isReliable ? .zero : timers.d)
            t.promise.succeed(response)
            return
        }
        guard t.state != .completed else { return }
        t.state = .completed
        endLater(t, after: t.peer.transport.isReliable ? .zero : timers.k)
        t.promise.succeed(response)
    }

    /// Stops a client transaction's timers and removes it after `delay` (timers D, K, M), absorbing retransmitted
    /// responses until then.
    private func endLater(_ t: ClientTransaction, after delay: TimeAmount) {
        t.cancelTimers()
        t.timers.append(schedule(in: delay) { [weak self] in
            t.state = .terminated
            self?.clientTransactions[t.key] = nil
        })
    }

    /// The ACK for a non-2xx final response: same branch and Request-URI, To from the response (RFC 3261 §17.1.1.3).
    private func sendACK(forFailure response: SIPResponse, of t: ClientTransaction) {
        var headers = SIPHeaders()
        if let via = t.request.headers.values("Via").first { headers.add("Via", via) }
        headers.add("Max-Forwards", "70")
        for name in ["From", "Call-ID"] { if let v = t.request.headers[name] { headers.add(name, v) } }
        if let to = response.headers["To"] { headers.add("To", to) }
        headers.add("CSeq", SIPCSeq(t.request.cseq?.sequence ?? 1, .ack).description)
        for route in t.request.headers.values("Route") { headers.add("Route", route) }
        let ack = SIPRequest(method: .ack, uri: t.request.uri, headers: headers)
        _ = send(.request(ack), to: t.peer)
    }

    /// The ACK for a 2xx: a new request in the dialog with the INVITE's CSeq number (RFC 3261 §13.2.2.4).
    func sendACK(for response: SIPResponse, dialog: SIPDialogState) {
        guard let cseq = response.cseq?.sequence else { return }
        dialog.inviteCSeq = cseq
        var ack = makeInDialogRequest(dialog, method: .ack)
        ack.headers.insertFirst("Via", localVia(for: dialog.peer, branch: SIPIdentifiers.branch()).description)
        var buffer = ByteBufferAllocator().buffer(capacity: 512)
        buffer.writeBytes(ack.serialized())
        dialog.lastACK = buffer
        dialog.lastACKCSeq = cseq
        _ = send(buffer, to: dialog.peer)
    }

    /// Creates the dialog a 2xx (or a 1xx with a To tag) to our INVITE/SUBSCRIBE/REFER establishes (RFC 3261 §12.1.2).
    func establishClientDialog(request: SIPRequest, response: SIPResponse, peer: SIPPeer) -> SIPDialogState? {
        guard let callID = request.callID, let from = request.from, let localTag = from.tag, let to = response.to,
            let remoteTag = to.tag
        else { return nil }
        let id = SIPDialogID(callID: callID, localTag: localTag, remoteTag: remoteTag)
        let confirmed = response.statusCode >= 200
        if let existing = dialogs[id] {
            if confirmed {
                existing.phase = .confirmed
                if let contact = response.contacts.first { existing.remoteTarget = contact.uri }
            }
            return existing
        }
        let target = response.contacts.first?.uri ?? request.uri
        let routes = Array(response.recordRoutes.reversed())
        let dialog = SIPDialogState(
            id: id, isServer: false, localURI: from, remoteURI: to, remoteTarget: target, routeSet: routes,
            localCSeq: request.cseq?.sequence ?? 1, remoteCSeq: nil, peer: peer,
            localContact: request.contacts.first ?? localContact(for: peer), confirmed: confirmed)
        dialog.inviteCSeq = request.cseq?.sequence ?? 1
        dialog.peerAllowsUpdate = response.allow.contains(.update)
        dialog.lastLocalBody = request.body
        dialog.lastLocalContentType = request.contentType
        if let resolved = nextHop(for: dialog) { dialog.peer = resolved }
        dialogs[id] = dialog
        return dialog
    }

    func clientDialog(for response: SIPResponse) -> SIPDialogState? {
        guard let callID = response.callID, let localTag = response.from?.tag, let remoteTag = response.to?.tag else { return nil }
        return dialogs[SIPDialogID(callID: callID, localTag: localTag, remoteTag: remoteTag)]
    }

    /// Where in-dialog requests go: the first loose route, else the remote target; same transport as before. A host
    /// name is not looked up here (this runs on the event loop): the dialog keeps the peer it has.
    func nextHop(for dialog: SIPDialogState) -> SIPPeer? {
        let uri = dialog.routeSet.first?.uri ?? dialog.remoteTarget
        return SIPUserAgent.resolve(uri, defaultTransport: dialog.peer.transport)
    }
}
