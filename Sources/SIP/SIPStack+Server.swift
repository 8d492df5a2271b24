import NIOCore
import SIPWire

extension SIPStack {
    /// RFC 3261 §17.2.3 matching, then §8.2 UAS checks, then the handler for the method.
    func receiveRequest(_ incoming: SIPRequest, from peer: SIPPeer, size: Int = 0) {
        var request = incoming
        // RFC 3261 §18.2.1 and RFC 3581: note where the request really came from.
        if var via = request.topVia {
            if via.host.trimmingBrackets != peer.host || via.received != nil { via.received = peer.host }
            if case .some = via.rport, peer.transport == .udp { via.rport = .some(peer.port) }
            replaceTopVia(&request, with: via)
        }
        if let problem = request.validationError() {
            counters.parseErrors &+= 1
            guard request.method != .ack else { return }
            var response = SIPResponse(
                statusCode: problem.status, reason: Self.reasonPhrase(problem.status, problem.reason),
                headers: Self.responseHeaders(for: request))
            addToTagIfMissing(&response, tag: SIPIdentifiers.tag())
            response.headers.add("Warning", "399 \(advertisedHost) \"\(Self.quoted(problem.reason))\"")
            counters.rejectedRequests &+= 1
            sendStateless(response, requestVias: request.vias, to: peer)
            return
        }
        if request.method == .ack {
            receiveACK(request, from: peer)
            return
        }
        guard let key = TransactionKey.server(for: request) else { return }
        if let existing = serverTransactions[key] {
            // A retransmission: repeat the last response, if any (RFC 3261 §17.2.1, §17.2.2), within the budget the
            // retransmission itself adds.
            counters.retransmissionsAbsorbed &+= 1
            existing.receivedBytes &+= size
            if existing.state == .accepted {
                resend2xx(for: existing, size: size)
            } else if let last = existing.lastResponse, mayRetransmit(existing, last) {
                _ = send(last, to: responsePeer(for: existing))
            }
            return
        }
        let transaction = ServerTransaction(key: key, request: request, peer: peer)
        serverTransactionSerial &+= 1
        transaction.serial = serverTransactionSerial
        transaction.receivedBytes = size
        if let mergeKey = Self.mergeKey(for: request), let earlier = mergeIndex[mergeKey], earlier != key,
            serverTransactions[earlier] != nil
        {
            // §8.2.2.2: the same request by another path (a fork that looped back): a merged request.
            serverTransactions[key] = transaction
            respond(transaction, statusCode: 482, reason: "Loop Detected")
            return
        }
        serverTransactions[key] = transaction
        if let mergeKey = Self.mergeKey(for: request) { mergeIndex[mergeKey] = key }
        if request.method == .invite {
            respond(transaction, statusCode: 100)  // RFC 3261 §17.2.1: stop the client's retransmissions at once
        }
        if request.method == .cancel {
            receiveCANCEL(transaction)
            return
        }
        if let (status, reason, extra) = uasRejection(for: request) {
            respond(transaction, statusCode: status, reason: reason, headers: extra)
            return
        }
        dispatch(transaction)
    }

    /// The §8.2 checks a UAS makes before the application sees a request; returns the error to answer with.
    func uasRejection(for request: SIPRequest) -> (Int, String, [(String, String)])? {
        // §8.2.2.1: we serve only sip: and sips: URIs.
        if request.uri.scheme == .tel {
            return (416, "Unsupported URI Scheme", [])
        }
        // §8.2.2.3: extensions the client requires that we do not support.
        if request.method != .cancel {
            let unsupported = request.require.filter { !Self.supportedExtensions.contains($0.lowercased()) }
            if !unsupported.isEmpty {
                return (420, "Bad Extension", [("Unsupported", unsupported.joined(separator: ", "))])
            }
        }
        // §8.2.1: methods.
        if !allowedMethods.contains(request.method) {
            let known: [SIPMethod] = [.invite, .ack, .bye, .cancel, .options, .register, .subscribe, .notify, .refer, .info, .update, .prack, .message, .publish]
            let status = known.contains(request.method) ? 405 : 501
            return (status, SIPResponse.reasonPhrase(for: status), [("Allow", allowHeader)])
        }
        // §8.2.3: bodies we cannot read, and answers we cannot give.
        if [.invite, .update].contains(request.method), !request.body.isEmpty {
            let type = request.contentType ?? "application/sdp"
            if type != "application/sdp" && type != "multipart/mixed" {
                return (415, "Unsupported Media Type", [("Accept", "application/sdp")])
            }
        }
        if [.invite, .options].contains(request.method), request.headers.contains("Accept") {
            let accepted = request.headers.values("Accept").map { $0.split(separator: ";").first.map(String.init)?.trimmed.lowercased() ?? "" }
            if !accepted.isEmpty && !accepted.contains(where: { $0 == "application/sdp" || $0 == "application/*" || $0 == "*/*" }) {
                return (406, "Not Acceptable", [("Accept", "application/sdp")])
            }
        }
        // RFC 4028 §8.1: a session interval below our minimum.
        if request.method == .invite || request.method == .update, let se = request.sessionExpires,
            se.seconds < configuration.minSessionExpires
        {
            return (422, "Session Interval Too Small", [("Min-SE", "\(configuration.minSessionExpires)")])
        }
        // §12.2.2: in-dialog requests need their dialog.
        if let toTag = request.to?.tag, let callID = request.callID, let fromTag = request.from?.tag {
            let id = SIPDialogID(callID: callID, localTag: toTag, remoteTag: fromTag)
            guard let dialog = dialogs[id] else {
                return (481, "Call/Transaction Does Not Exist", [])
            }
            if let cseq = request.cseq?.sequence, let last = dialog.remoteCSeq, cseq < last {
                return (500, "CSeq Out of Order", [])
            }
        }
        return nil
    }

    /// Hands a new request to its handler on a task; built-in answers for OPTIONS, BYE and unhandled methods.
    func dispatch(_ transaction: ServerTransaction) {
        let request = transaction.request
        var dialogHandle: SIPDialogHandle?
        if let toTag = request.to?.tag, let callID = request.callID, let fromTag = request.from?.tag {
            let id = SIPDialogID(callID: callID, localTag: toTag, remoteTag: fromTag)
            if let dialog = dialogs[id] {
                if let cseq = request.cseq?.sequence { dialog.remoteCSeq = cseq }
                // §12.2.2: a target refresh updates the remote target.
                if [.invite, .update, .subscribe, .notify].contains(request.method), let contact = request.contacts.first {
                    dialog.remoteTarget = contact.uri
                }
                if request.method == .update || request.method == .invite { noteSessionRefresh(dialog, request: request) }
                dialogHandle = SIPDialogHandle(id: id, stack: self)
            }
        }
        // RFC 3261 §15.1.2: a BYE ends the dialog at once, whatever the handler does; later requests in it get 481.
        if request.method == .bye, let id = dialogHandle?.id { terminateDialog(id, reason: "BYE received") }
        guard acceptingRequests else {
            _ = respond(transaction, statusCode: 503, reason: "Service Unavailable (starting)", headers: [("Retry-After", "1")])
            return
        }
        if let core = synchronousCore, core(transaction) { return }
        let incoming = SIPIncomingRequest(
            request: request, peer: transaction.peer, dialog: dialogHandle, key: transaction.key, transaction: transaction.serial,
            stack: self)
        if let handler = handlers[request.method] {
            let queued = handlerWork.start {
                await handler(incoming)
                await incoming.respondIfNobodyDid()
            }
            if !queued { _ = respond(transaction, statusCode: 503, reason: "Service Unavailable (stopping)") }
            return
        }
        switch request.method {
        case .options:
            respond(
                transaction, statusCode: 200,
                headers: [
                    ("Allow", allowHeader), ("Accept", "application/sdp"),
                    ("Supported", Self.supportedExtensions.joined(separator: ", ")),
                ])
        case .bye:
            respond(transaction, statusCode: 200)
        default:
            respond(transaction, statusCode: 501, headers: [("Allow", allowHeader)])
        }
    }

    /// RFC 3261 §9.2: CANCEL is answered 200 when it matches an INVITE (which is then answered 487), else 481.
    func receiveCANCEL(_ transaction: ServerTransaction) {
        let request = transaction.request
        guard let inviteKey = TransactionKey.server(for: request, method: .invite),
            let invite = serverTransactions[inviteKey]
        else {
            respond(transaction, statusCode: 481, reason: "Call/Transaction Does Not Exist")
            return
        }
        respond(transaction, statusCode: 200)
        if !invite.hasFinalResponse {
            invite.cancelled = true
            respond(invite, statusCode: 487)
            invite.onCancel?()
        }
    }

    /// ACK: completes a non-2xx INVITE transaction, or confirms a 2xx and stops its retransmission.
    func receiveACK(_ request: SIPRequest, from peer: SIPPeer) {
        if let key = TransactionKey.server(for: request), let t = serverTransactions[key], t.isInvite, t.state == .completed {
            t.state = .confirmed
            t.cancelTimers()
            let wait: TimeAmount = t.peer.transport.isReliable ? .zero : timers.i
            t.timers.append(schedule(in: wait) { [weak self] in self?.terminate(t) })
            return
        }
        guard let callID = request.callID, let toTag = request.to?.tag, let fromTag = request.from?.tag else { return }
        let id = SIPDialogID(callID: callID, localTag: toTag, remoteTag: fromTag)
        guard let dialog = dialogs[id] else { return }
        if let cseq = request.cseq?.sequence, cseq == dialog.pending2xxCSeq {
            dialog.pending2xx = nil
            dialog.pending2xxTimer?.cancel()
            dialog.pending2xxTimer = nil
        }
        if let handler = handlers[.ack] {
            let incoming = SIPIncomingRequest(request: request, peer: peer, dialog: SIPDialogHandle(id: id, stack: self), key: nil, stack: self)
            handlerWork.start { await handler(incoming) }
        }
    }

    // MARK: - Responding

    /// Sends a response within `transaction` and advances its state machine.
    /// Returns the dialog a 2xx to INVITE, SUBSCRIBE or REFER created (or confirmed).
    @discardableResult
    func respond(
        _ transaction: ServerTransaction, statusCode: Int, reason: String? = nil, headers extra: [(String, String)] = [],
        body: [UInt8] = [], contentType: String? = nil
    ) -> SIPDialogID? {
        guard transaction.state != .terminated, !(transaction.hasFinalResponse) else { return nil }
        let request = transaction.request
        var response = SIPResponse(statusCode: statusCode, reason: reason, headers: Self.responseHeaders(for: request), body: body)
        addToTagIfMissing(&response, tag: transaction.localTag)
        for (name, value) in extra { response.headers.add(name, value) }
        response.headers.add("Server", configuration.userAgent)
        if let contentType, !body.isEmpty { response.headers.set("Content-Type", contentType) }

        var dialogID: SIPDialogID?
        let createsDialog = [.invite, .subscribe, .refer].contains(request.method) && (101...299).contains(statusCode)
        if createsDialog {
            if !response.headers.contains("Contact") { response.headers.add("Contact", localContact(for: transaction.peer).description) }
            if request.method == .invite && statusCode >= 200 {
                applySessionTimer(to: &response, for: request)
            }
            dialogID = establishServerDialog(for: request, response: response, peer: transaction.peer)
        } else if statusCode >= 300, request.to?.tag == nil, let callID = request.callID, let remoteTag = request.from?.tag {
            // RFC 3261 §12.1: a final error ends the early dialog a provisional answer made.
            terminateDialog(SIPDialogID(callID: callID, localTag: transaction.localTag, remoteTag: remoteTag), reason: "request refused")
        }
        transaction.lastStatus = max(transaction.lastStatus, statusCode)
        var buffer = ByteBufferAllocator().buffer(capacity: 512 + body.count)
        buffer.writeBytes(response.serialized())
        transaction.lastResponse = buffer
        let target = responsePeer(for: transaction)
        transaction.sentBytes &+= buffer.readableBytes
        send(buffer, to: target).whenFailure { [logger] error in
            logger.debug("response could not be sent", metadata: ["peer": "\(target)", "error": "\(error)"])
        }
        advance(transaction, afterSending: statusCode, buffer: buffer, dialog: dialogID)
        return dialogID
    }

    func responsePeer(for transaction: ServerTransaction) -> SIPPeer {
        responsePeer(topVia: transaction.request.topVia, receivedFrom: transaction.peer)
    }

    private func advance(_ t: ServerTransaction, afterSending status: Int, buffer: ByteBuffer, dialog: SIPDialogID?) {
        let reliable = t.peer.transport.isReliable
        if status < 200 {
            t.state = .proceeding
            return
        }
        t.cancelTimers()
        if t.isInvite && status < 300 {
            // RFC 6026: Accepted — absorb INVITE retransmissions; the 2xx itself is retransmitted by the dialog.
            t.state = .accepted
            t.timers.append(schedule(in: timers.l) { [weak self] in self?.terminate(t) })
            t.dialogID = dialog
            if let dialog, let d = dialogs[dialog] {
                d.retransmitBudget = reliable || t.receivedBytes == 0 ? nil : remainingBudget(t)
                start2xxRetransmission(d, buffer: buffer, cseq: t.request.cseq?.sequence ?? 0, reliable: reliable)
            }
        } else if t.isInvite {
            t.state = .completed
            if !reliable {
                t.retransmitInterval = timers.g
                scheduleTimerG(t)
            }
            t.timers.append(schedule(in: timers.h) { [weak self] in
                self?.logger.debug("no ACK for a final INVITE response (timer H)", metadata: ["transaction": "\(t.key)"])
                self?.terminate(t)
            })
        } else {
            t.state = .completed
            t.timers.append(schedule(in: reliable ? .zero : timers.j) { [weak self] in self?.terminate(t) })
        }
    }

    private func scheduleTimerG(_ t: ServerTransaction) {
        t.timers.append(schedule(in: t.retransmitInterval) { [weak self] in
            guard let self, t.state == .completed, let last = t.lastResponse else { return }
            // Past the budget, stay silent but keep waiting for the ACK (timer H): a peer that never answers gets no
            // more than amplificationFactor times what it sent.
            if self.mayRetransmit(t, last) { _ = self.send(last, to: self.responsePeer(for: t)) }
            t.retransmitInterval = SIPTimers.doubled(t.retransmitInterval, cap: self.timers.t2)
            self.scheduleTimerG(t)
        })
    }

    /// The server transaction under `key`, if it is the one `serial` names (nil: any): a handler's answers never
    /// reach a newer transaction under the same key (a retransmission of a request answered statelessly).
    func serverTransaction(_ key: String, _ serial: UInt64?) -> ServerTransaction? {
        guard let t = serverTransactions[key] else { return nil }
        if let serial, t.serial != serial { return nil }
        return t
    }

    func terminate(_ t: ServerTransaction) {
        t.state = .terminated
        t.cancelTimers()
        serverTransactions[t.key] = nil
        if let mergeKey = Self.mergeKey(for: t.request), mergeIndex[mergeKey] == t.key { mergeIndex[mergeKey] = nil }
    }

    /// From tag, Call-ID, CSeq and method of a request outside a dialog (no To tag); nil otherwise.
    static func mergeKey(for request: SIPRequest) -> String? {
        guard request.method != .ack, request.method != .cancel, request.to?.tag == nil, let fromTag = request.from?.tag,
            let callID = request.callID, let cseq = request.cseq
        else { return nil }
        return "\(fromTag)|\(callID)|\(cseq.sequence)|\(request.method.rawValue)"
    }

    /// Via, From, To, Call-ID and CSeq copied from the request (RFC 3261 §8.2.6.2), plus Record-Route for dialogs.
    static func responseHeaders(for request: SIPRequest) -> SIPHeaders {
        var headers = SIPHeaders()
        for via in request.headers.values("Via") { headers.add("Via", via) }
        for name in ["From", "To", "Call-ID", "CSeq"] {
            if let value = request.headers[name] { headers.add(name, value) }
        }
        for rr in request.headers.values("Record-Route") { headers.add("Record-Route", rr) }
        return headers
    }

    func replaceTopVia(_ request: inout SIPRequest, with via: SIPVia) {
        let vias = request.headers.values("Via")
        request.headers.remove("Via")
        request.headers.add("Via", via.description)
        for v in vias.dropFirst() { request.headers.add("Via", v) }
        // Keep Via first among the headers is not required; order among Vias is what matters.
    }

    /// Our Contact for a peer: the address it reaches us at (see ``localHost(for:)``), with the transport it used.
    func localContact(for peer: SIPPeer) -> SIPNameAddress {
        var uri = SIPURI(host: localHost(for: peer), port: localPort(for: peer.transport))
        if peer.transport != .udp { uri.parameters.append(SIPParameter(name: "transport", value: peer.transport.rawValue.lowercased())) }
        return SIPNameAddress(uri: uri)
    }
}

extension StringProtocol {
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
