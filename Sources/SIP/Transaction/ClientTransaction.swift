import NIOCore
import SIPWire

/// A client transaction (RFC 3261 §17.1, with RFC 6026's Accepted state): retransmits the request over UDP
/// (timers A/E), gives up after 64·T1 (B/F), sends the ACK for a non-2xx INVITE response, and hands
/// provisional and final responses to whoever started it.
final class ClientTransaction: @unchecked Sendable {  // confined to the stack's event loop
    enum State { case calling, trying, proceeding, completed, accepted, terminated }

    let key: String
    let request: SIPRequest
    let serialized: ByteBuffer
    let peer: SIPPeer
    let isInvite: Bool
    var state: State
    var retransmitInterval: TimeAmount
    var timers: [Scheduled<Void>] = []
    let promise: EventLoopPromise<SIPResponse>
    let onProvisional: (@Sendable (SIPResponse) -> Void)?
    /// For INVITE: 2xx responses after the first one (forked or retransmitted) go here.
    var finalDelivered = false
    /// Retransmissions still allowed over UDP; nil: as timers E/A say until F/B (a probe of an unproven peer sets it).
    var retransmissionsLeft: Int?

    init(
        key: String, request: SIPRequest, serialized: ByteBuffer, peer: SIPPeer, timers: SIPTimers,
        promise: EventLoopPromise<SIPResponse>, onProvisional: (@Sendable (SIPResponse) -> Void)?
    ) {
        self.key = key
        self.request = request
        self.serialized = serialized
        self.peer = peer
        self.isInvite = request.method == .invite
        self.state = isInvite ? .calling : .trying
        self.retransmitInterval = isInvite ? timers.a : timers.e
        self.promise = promise
        self.onProvisional = onProvisional
    }

    func cancelTimers() {
        for t in timers { t.cancel() }
        timers.removeAll()
    }
}
