import NIOCore
import SIPWire

/// The state of one dialog (RFC 3261 §12), owned by the stack's event loop.
final class SIPDialogState: @unchecked Sendable {  // confined to the stack's event loop
    enum Phase { case early, confirmed, terminated }

    let id: SIPDialogID
    let isServer: Bool
    var phase: Phase
    var localURI: SIPNameAddress
    var remoteURI: SIPNameAddress
    var remoteTarget: SIPURI
    var routeSet: [SIPNameAddress]
    var localCSeq: UInt32
    var remoteCSeq: UInt32?
    var peer: SIPPeer
    var localContact: SIPNameAddress
    /// The CSeq of the INVITE whose 2xx established (or last refreshed) the session.
    var inviteCSeq: UInt32 = 0

    // UAS: the 2xx being retransmitted until its ACK (RFC 3261 §13.3.1.4).
    var pending2xx: ByteBuffer?
    var pending2xxCSeq: UInt32 = 0
    var pending2xxInterval: TimeAmount = .zero
    var pending2xxTimer: Scheduled<Void>?
    var pending2xxElapsed: TimeAmount = .zero
    /// Bytes the 2xx may still be retransmitted for over UDP (nil: unlimited, on streams); grows with each
    /// retransmitted INVITE.
    var retransmitBudget: Int?

    // UAC: the ACK for the last 2xx, re-sent when the 2xx is retransmitted.
    var lastACK: ByteBuffer?
    var lastACKCSeq: UInt32 = 0

    // RFC 4028 session timer.
    var sessionInterval: Int?
    var weRefresh = false
    var sessionTimer: Scheduled<Void>?
    var lastLocalBody: [UInt8] = []
    var lastLocalContentType: String?
    /// Whether the peer allows UPDATE (for session refresh without SDP).
    var peerAllowsUpdate = false

    init(
        id: SIPDialogID, isServer: Bool, localURI: SIPNameAddress, remoteURI: SIPNameAddress, remoteTarget: SIPURI,
        routeSet: [SIPNameAddress], localCSeq: UInt32, remoteCSeq: UInt32?, peer: SIPPeer, localContact: SIPNameAddress,
        confirmed: Bool
    ) {
        self.id = id
        self.isServer = isServer
        self.phase = confirmed ? .confirmed : .early
        self.localURI = localURI
        self.remoteURI = remoteURI
        self.remoteTarget = remoteTarget
        self.routeSet = routeSet
        self.localCSeq = localCSeq
        self.remoteCSeq = remoteCSeq
        self.peer = peer
        self.localContact = localContact
    }

    func cancelTimers() {
        pending2xxTimer?.cancel()
        pending2xxTimer = nil
        sessionTimer?.cancel()
        sessionTimer = nil
    }
}
