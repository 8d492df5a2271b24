import NIOCore
public import SIPWire

/// A request that arrived, handed to the application's handler. The handler answers it with ``respond(_:reason:headers:body:contentType:)``
/// (any number of provisional responses, then one final); a handler that returns without a final answer gets a 500 sent for it.
public struct SIPIncomingRequest: Sendable {
    /// The request, with `received`/`rport` already added to its top Via.
    public let request: SIPRequest
    /// Where it came from.
    public let peer: SIPPeer
    /// The dialog, for requests inside one.
    public let dialog: SIPDialogHandle?
    let key: String?
    /// Which transaction this request is: a retransmission of a request answered statelessly makes a new transaction
    /// under the same key, and this handler's answers must never land on it.
    let transaction: UInt64?
    let stack: SIPStack

    init(request: SIPRequest, peer: SIPPeer, dialog: SIPDialogHandle?, key: String?, transaction: UInt64? = nil, stack: SIPStack) {
        self.transaction = transaction
        self.request = request
        self.peer = peer
        self.dialog = dialog
        self.key = key
        self.stack = stack
    }

    /// Sends a response. For a 2xx to INVITE, SUBSCRIBE or REFER, returns the dialog it established.
    /// Responding after the final response (or after a CANCEL answered the INVITE with 487) does nothing and returns nil.
    @discardableResult
    public func respond(
        _ statusCode: Int, reason: String? = nil, headers: [(String, String)] = [], body: [UInt8] = [],
        contentType: String? = nil
    ) async -> SIPDialogHandle? {
        guard let key else { return nil }
        let stack = self.stack
        let result = try? await stack.onLoop { () -> SIPDialogID? in
            guard let t = stack.serverTransaction(key, transaction) else { return nil }
            return stack.respond(t, statusCode: statusCode, reason: reason, headers: headers, body: body, contentType: contentType)
        }
        guard let id = result else { return nil }
        return SIPDialogHandle(id: id, stack: stack)
    }

    /// Sends a final error response (3xx–6xx) to a request outside a dialog without a transaction: sent once, never
    /// retransmitted, nothing kept — a retransmitted request is handled and answered again, and the ACK is absorbed.
    /// For answers to unauthenticated requests (challenges, refusals), so a forged source gets no more than it sent.
    /// Anything else (a provisional or 2xx response, a request in a dialog) is sent as ``respond(_:reason:headers:body:contentType:)`` would.
    public func respondStatelessly(_ statusCode: Int, reason: String? = nil, headers: [(String, String)] = []) async {
        guard let key else { return }
        let stack = self.stack
        _ = try? await stack.onLoop {
            guard let t = stack.serverTransaction(key, transaction) else { return }
            stack.respondStatelessly(t, statusCode: statusCode, reason: reason, headers: headers)
        }
    }

    /// Whether a CANCEL ended this INVITE before a final response.
    public var isCancelled: Bool {
        get async {
            guard let key else { return false }
            let stack = self.stack
            return (try? await stack.onLoop { stack.serverTransaction(key, transaction)?.cancelled ?? true }) ?? true
        }
    }

    /// Checks digest credentials (RFC 3261 §22) with `authenticator` in `realm`: returns the user when they are valid,
    /// else answers 401 with fresh challenges (stale=true for an expired nonce) or 403 for wrong credentials — both
    /// statelessly (``respondStatelessly(_:reason:headers:)``) — and returns nil.
    /// `onRejected` hears of each 403 (the user name the credentials gave and why) — a challenge is not a failure.
    public func authenticate(
        with authenticator: DigestAuthenticator, realm: String, onRejected: ((_ username: String, _ reason: String) -> Void)? = nil
    ) async -> String? {
        switch authenticator.verify(request, realm: realm) {
        case .authenticated(let user):
            return user
        case .challenge(let stale):
            // Stateless (no retransmission, no state): a challenge to a forged source costs it nothing to provoke.
            await respondStatelessly(401, headers: authenticator.challenges(realm: realm, stale: stale).map { ("WWW-Authenticate", $0) })
            return nil
        case .rejected(let reason):
            if let onRejected {
                let credentials = request.headers.values("Authorization").compactMap(SIPDigestCredentials.init)
                onRejected(credentials.first { $0.realm == realm }?.username ?? "?", reason)
            }
            await respondStatelessly(403, reason: reason)
            return nil
        }
    }

    func respondIfNobodyDid() async {
        guard let key else { return }
        let stack = self.stack
        _ = try? await stack.onLoop {
            guard let t = stack.serverTransaction(key, transaction), !t.hasFinalResponse, t.state != .terminated else { return }
            stack.logger.warning("handler returned without a final response: sending 500", metadata: ["method": "\(t.request.method.rawValue)"])
            stack.respond(t, statusCode: 500, reason: "Server Internal Error (no response from the application)")
        }
    }
}

/// A dialog the application can act in: send requests inside it, or end it.
public struct SIPDialogHandle: Sendable, Hashable {
    /// Its identity.
    public let id: SIPDialogID
    let stack: SIPStack

    init(id: SIPDialogID, stack: SIPStack) {
        self.id = id
        self.stack = stack
    }

    /// Sends a request inside the dialog (BYE, re-INVITE, UPDATE, INFO, NOTIFY, REFER, MESSAGE) and returns the final
    /// response. A 2xx to a re-INVITE is ACKed. Throws ``SIPError`` with `.noDialog` when the dialog has ended,
    /// `.timeout` when nothing answers. A `probe` asks a peer whose address is not proven (an anonymous UDP
    /// subscriber): over UDP it is sent once and given up after 4·T1, so a forged source earns one small datagram,
    /// not a run of retransmissions.
    public func request(
        _ method: SIPMethod, headers: [(String, String)] = [], body: [UInt8] = [], contentType: String? = nil, probe: Bool = false
    ) async throws -> SIPResponse {
        let stack = self.stack
        let id = self.id
        return try await stack.onLoopAwaiting { () -> EventLoopFuture<SIPResponse> in
            guard let dialog = stack.dialogs[id] else {
                throw SIPError(.noDialog, "dialog \(id) no longer exists")
            }
            var request = stack.makeInDialogRequest(dialog, method: method, body: body, contentType: contentType)
            for (name, value) in headers { request.headers.add(name, value) }
            if method == .invite || method == .update {
                dialog.lastLocalBody = body.isEmpty ? dialog.lastLocalBody : body
                if contentType != nil { dialog.lastLocalContentType = contentType }
            }
            let future = stack.startClientTransaction(request, to: dialog.peer, onProvisional: nil, probe: probe)
            if method == .bye {
                stack.terminateDialog(id, reason: "BYE sent")
            }
            if method == .invite {
                return future.map { response in
                    if (200..<300).contains(response.statusCode) {
                        stack.sendACK(for: response, dialog: dialog)
                        stack.armSessionTimer(dialog, response: response, weAreServer: dialog.isServer)
                    }
                    return response
                }
            }
            return future
        }
    }

    /// Ends the dialog with BYE and waits for the answer.
    @discardableResult
    public func bye() async throws -> SIPResponse { try await request(.bye) }

    /// Forgets the dialog without sending anything: for a subscription whose final NOTIFY went out (RFC 6665 §4.4.1),
    /// where there is no BYE.
    public func end(reason: String) async {
        let stack = self.stack
        let id = self.id
        _ = try? await stack.onLoop { stack.terminateDialog(id, reason: reason) }
    }

    /// Whether the dialog still exists.
    public var isActive: Bool {
        get async {
            let stack = self.stack
            let id = self.id
            return (try? await stack.onLoop { stack.dialogs[id] != nil }) ?? false
        }
    }

    public static func == (a: SIPDialogHandle, b: SIPDialogHandle) -> Bool { a.id == b.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}
