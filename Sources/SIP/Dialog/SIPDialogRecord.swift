import NIOCore
import SIPWire

/// A confirmed dialog as text and numbers, so another process can carry it on: a focus restarted mid-meeting rebuilds
/// its participants' dialogs from the records it stored and keeps talking to their phones (RFC 3261 §12 state: the
/// identifiers, both URIs, the remote target, the route set, both sequence numbers, the peer, our Contact, and the
/// RFC 4028 session timer).
public struct SIPDialogRecord: Sendable, Codable, Equatable {
    public var callID: String
    public var localTag: String
    public var remoteTag: String
    /// We answered the INVITE (true) or sent it.
    public var isServer: Bool
    public var localURI: String
    public var remoteURI: String
    public var remoteTarget: String
    public var routeSet: [String]
    public var localCSeq: UInt32
    public var remoteCSeq: UInt32?
    /// The CSeq of the INVITE whose 2xx established or last refreshed the session.
    public var inviteCSeq: UInt32
    /// `UDP`, `TCP` or `TLS`.
    public var transport: String
    public var peerHost: String
    public var peerPort: Int
    /// The host name the peer was found by (TLS server name), if any.
    public var peerServerName: String?
    public var localContact: String
    /// The RFC 4028 session interval in seconds, and whether we are its refresher.
    public var sessionInterval: Int?
    public var weRefresh: Bool
    /// Our last offer or answer (a refresh we send repeats it).
    public var lastLocalBody: String
    public var lastLocalContentType: String?
    public var peerAllowsUpdate: Bool

    public var id: SIPDialogID { SIPDialogID(callID: callID, localTag: localTag, remoteTag: remoteTag) }

    public init(
        callID: String, localTag: String, remoteTag: String, isServer: Bool, localURI: String, remoteURI: String,
        remoteTarget: String, routeSet: [String], localCSeq: UInt32, remoteCSeq: UInt32?, inviteCSeq: UInt32, transport: String,
        peerHost: String, peerPort: Int, peerServerName: String?, localContact: String, sessionInterval: Int?, weRefresh: Bool,
        lastLocalBody: String, lastLocalContentType: String?, peerAllowsUpdate: Bool
    ) {
        self.callID = callID
        self.localTag = localTag
        self.remoteTag = remoteTag
        self.isServer = isServer
        self.localURI = localURI
        self.remoteURI = remoteURI
        self.remoteTarget = remoteTarget
        self.routeSet = routeSet
        self.localCSeq = localCSeq
        self.remoteCSeq = remoteCSeq
        self.inviteCSeq = inviteCSeq
        self.transport = transport
        self.peerHost = peerHost
        self.peerPort = peerPort
        self.peerServerName = peerServerName
        self.localContact = localContact
        self.sessionInterval = sessionInterval
        self.weRefresh = weRefresh
        self.lastLocalBody = lastLocalBody
        self.lastLocalContentType = lastLocalContentType
        self.peerAllowsUpdate = peerAllowsUpdate
    }
}

extension SIPDialogRecord {
    init?(_ dialog: SIPDialogState) {
        guard dialog.phase == .confirmed, let host = dialog.peer.address.ipAddress, let port = dialog.peer.address.port else { return nil }
        self.init(
            callID: dialog.id.callID, localTag: dialog.id.localTag, remoteTag: dialog.id.remoteTag, isServer: dialog.isServer,
            localURI: dialog.localURI.description, remoteURI: dialog.remoteURI.description, remoteTarget: dialog.remoteTarget.description,
            routeSet: dialog.routeSet.map(\.description), localCSeq: dialog.localCSeq, remoteCSeq: dialog.remoteCSeq,
            inviteCSeq: dialog.inviteCSeq, transport: dialog.peer.transport.rawValue, peerHost: host, peerPort: port,
            peerServerName: dialog.peer.serverName, localContact: dialog.localContact.description,
            sessionInterval: dialog.sessionInterval, weRefresh: dialog.weRefresh,
            lastLocalBody: String(decoding: dialog.lastLocalBody, as: UTF8.self), lastLocalContentType: dialog.lastLocalContentType,
            peerAllowsUpdate: dialog.peerAllowsUpdate)
    }

    /// The dialog state again; why not when a field does not parse (a record written by something else).
    func makeState(cseqAdvance: UInt32) throws(SIPError) -> SIPDialogState {
        func invalid(_ what: String) -> SIPError { SIPError(.invalid, "stored dialog \(id): \(what) does not parse") }
        guard let localURI = SIPNameAddress(localURI) else { throw invalid("local URI") }
        guard let remoteURI = SIPNameAddress(remoteURI) else { throw invalid("remote URI") }
        guard let remoteTarget = SIPURI(remoteTarget) else { throw invalid("remote target") }
        guard let localContact = SIPNameAddress(localContact) else { throw invalid("Contact") }
        var routes: [SIPNameAddress] = []
        for route in routeSet {
            guard let parsed = SIPNameAddress(route) else { throw invalid("route") }
            routes.append(parsed)
        }
        guard let kind = SIPTransportKind(rawValue: transport) else { throw invalid("transport") }
        let address: SocketAddress
        do {
            address = try SocketAddress(ipAddress: peerHost, port: peerPort)
        } catch {
            throw invalid("peer address")
        }
        let state = SIPDialogState(
            id: id, isServer: isServer, localURI: localURI, remoteURI: remoteURI, remoteTarget: remoteTarget, routeSet: routes,
            // Requests we sent after the record was written may have used higher numbers: jump past them, as the peer
            // only refuses a CSeq that is not higher than the last (RFC 3261 §12.2.2).
            localCSeq: localCSeq &+ cseqAdvance, remoteCSeq: remoteCSeq,
            peer: SIPPeer(transport: kind, address: address, serverName: peerServerName), localContact: localContact, confirmed: true)
        state.inviteCSeq = inviteCSeq
        state.sessionInterval = sessionInterval
        state.weRefresh = weRefresh
        state.lastLocalBody = Array(lastLocalBody.utf8)
        state.lastLocalContentType = lastLocalContentType
        state.peerAllowsUpdate = peerAllowsUpdate
        return state
    }
}

extension SIPUserAgent {
    /// The record of a confirmed dialog (nil when there is none, or it is still early).
    public func dialogRecord(_ id: SIPDialogID) async -> SIPDialogRecord? {
        let stack = self.stack
        return try? await stack.onLoop { stack.dialogs[id].flatMap(SIPDialogRecord.init) }
    }

    /// Takes over a dialog another process (or an earlier run) recorded: requests inside it are answered, and the
    /// returned handle sends in it. Our CSeq jumps by `cseqAdvance` past any request sent after the record was written.
    /// A session timer starts again from now: as refresher we refresh at half the interval; otherwise the session ends
    /// (BYE) when the peer's refresh does not come. Over TCP or TLS the old connection is gone: requests go to the remote
    /// target (or first route) on a new connection. Throws `.invalid` when the record does not parse.
    public func restoreDialog(_ record: SIPDialogRecord, cseqAdvance: UInt32 = 1_000) async throws -> SIPDialogHandle {
        let state = try record.makeState(cseqAdvance: cseqAdvance)
        let stack = self.stack
        return try await stack.onLoop {
            if state.peer.transport != .udp, let hop = stack.nextHop(for: state) { state.peer = hop }
            stack.dialogs[state.id]?.cancelTimers()
            stack.dialogs[state.id] = state
            if let interval = state.sessionInterval {
                var synthetic = SIPResponse(statusCode: 200)
                let refresher = state.weRefresh == state.isServer ? "uas" : "uac"
                synthetic.headers.add("Session-Expires", "\(interval);refresher=\(refresher)")
                stack.armSessionTimer(state, response: synthetic, weAreServer: state.isServer)
            }
            return SIPDialogHandle(id: state.id, stack: stack)
        }
    }
}
