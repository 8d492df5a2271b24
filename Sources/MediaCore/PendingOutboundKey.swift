import SRTP

/// Our new outbound SRTP key after a re-key, held back until the peer has our answer (RFC 4568 §7.1.4): until then it
/// can decrypt only our old key, so switching when we answer would lose what we send while the answer travels. The
/// new key takes effect at the first of: the re-INVITE's ACK (``ModifyEndpointRequest/answerConfirmed``), the first
/// packet the peer sends with its own new key (it installs both keys with our answer), or ``graceTicks`` after the
/// answer (an UPDATE has no ACK, and a held peer may send nothing).
struct PendingOutboundKey {
    let session: SRTPSession
    /// The tick from which the new key is used whatever else happened.
    let deadline: UInt64

    /// One second of ticks: several round trips on any network a call works over.
    static let graceTicks: UInt64 = 50

    init(_ session: SRTPSession, answeredAt tick: UInt64) {
        self.session = session
        deadline = tick &+ Self.graceTicks
    }

    /// Whether the new key should be used from `tick`, given what the peer's packets have shown.
    @inline(__always)
    func isDue(tick: UInt64, inbound: InboundSRTP?) -> Bool {
        tick >= deadline || (inbound?.newKeyInUse ?? true)
    }
}

/// A stream's outbound SRTP with a re-key that may be waiting: what ``MediaEndpoint`` and ``VideoStream`` share.
protocol OutboundKeyed: AnyObject {
    var inbound: InboundSRTP? { get set }
    var outbound: SRTPSession? { get set }
    var pendingOutbound: PendingOutboundKey? { get set }
}

extension OutboundKeyed {
    /// Receives with the peer's new key from now on; its old key is still accepted a while (packets in flight). A
    /// stream that became plain RTP drops both.
    func installInbound(_ session: SRTPSession?) {
        if let session {
            if let inbound { inbound.rekey(session) } else { inbound = InboundSRTP(session) }
        } else {
            inbound = nil
        }
    }

    /// Sets the outbound side after a renegotiation: a changed key from SRTP to SRTP waits (``PendingOutboundKey``); a
    /// stream that starts or stops SRTP switches at once (there is no old key the peer could use).
    func installOutbound(_ session: SRTPSession?, tick: UInt64) {
        if let session, outbound != nil {
            pendingOutbound = PendingOutboundKey(session, answeredAt: tick)
            settleOutboundKey(tick: tick)
        } else {
            outbound = session
            pendingOutbound = nil
        }
    }

    /// Switches to the waiting key once it is due (called each tick after the stream's packets were read).
    @inline(__always)
    func settleOutboundKey(tick: UInt64) {
        guard let pending = pendingOutbound, pending.isDue(tick: tick, inbound: inbound) else { return }
        outbound = pending.session
        pendingOutbound = nil
    }

    /// The peer has our answer (the ACK): the waiting key is used from now on.
    func confirmOutboundKey() {
        guard let pending = pendingOutbound else { return }
        outbound = pending.session
        pendingOutbound = nil
    }
}

extension MediaEndpoint: OutboundKeyed {}
extension VideoStream: OutboundKeyed {}
