import NIOCore
import SIPWire

/// A server transaction (RFC 3261 §17.2, with the RFC 6026 Accepted state for INVITE): absorbs request
/// retransmissions, retransmits the final response over UDP, and waits for the ACK of a non-2xx INVITE response.
final class ServerTransaction: @unchecked Sendable {  // confined to the stack's event loop
    enum State { case trying, proceeding, completed, confirmed, accepted, terminated }

    let key: String
    /// Unique for the stack's life (a key comes back with a retransmission; an object's address can be reused).
    var serial: UInt64 = 0
    let request: SIPRequest
    let peer: SIPPeer
    let isInvite: Bool
    var state: State
    /// The last response sent, serialised, for retransmission.
    var lastResponse: ByteBuffer?
    var lastStatus = 0
    /// Set when a CANCEL arrived before the final response (RFC 3261 §9.2).
    var cancelled = false
    /// The tag this server puts in To for responses (one tag per transaction, RFC 3261 §8.2.6.2).
    let localTag: String
    var retransmitInterval: TimeAmount = .zero
    var timers: [Scheduled<Void>] = []
    /// Bytes of the request and its retransmissions (0 on streams: nothing to budget there).
    var receivedBytes = 0
    /// Bytes of responses sent in this transaction, retransmissions included.
    var sentBytes = 0
    /// The dialog a 2xx to this INVITE established, for answering retransmitted INVITEs with the 2xx.
    var dialogID: SIPDialogID?
    /// Called once when the transaction ends (for the stack's tables).
    var onCancel: (@Sendable () -> Void)?

    init(key: String, request: SIPRequest, peer: SIPPeer) {
        self.key = key
        self.request = request
        self.peer = peer
        self.isInvite = request.method == .invite
        self.state = isInvite ? .proceeding : .trying
        self.localTag = request.to?.tag ?? SIPIdentifiers.tag()
    }

    var hasFinalResponse: Bool { lastStatus >= 200 }

    func cancelTimers() {
        for t in timers { t.cancel() }
        timers.removeAll()
    }
}

/// The key that matches requests to server transactions (RFC 3261 §17.2.3), with the RFC 2543 fallback
/// for requests whose branch lacks the magic cookie.
enum TransactionKey {
    static func server(for request: SIPRequest, method: SIPMethod? = nil) -> String? {
        guard let via = request.topVia else { return nil }
        var m = method ?? request.method
        if m == .ack { m = .invite }
        let sentBy = "\(via.host.lowercased()):\(via.port ?? 5060)"
        if let branch = via.branch, via.isRFC3261Branch {
            return "\(branch)|\(sentBy)|\(m.rawValue)"
        }
        // RFC 2543 matching: Request-URI, From tag, Call-ID, CSeq number, top Via (To tag is compared for ACK by the caller).
        let fromTag = request.from?.tag ?? ""
        let callID = request.callID ?? ""
        let cseq = request.cseq?.sequence ?? 0
        return "2543|\(request.uri)|\(fromTag)|\(callID)|\(cseq)|\(via.transport)|\(sentBy)|\(m.rawValue)"
    }

    static func client(branch: String, method: SIPMethod) -> String {
        "\(branch)|\(method == .ack ? SIPMethod.invite.rawValue : method.rawValue)"
    }
}
