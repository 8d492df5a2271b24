import NIOCore
import SIPWire

/// No amplification (issue 9 §8, DESIGN "Trust boundaries"): over UDP a request's source address may be forged, so
/// whatever answering it sends — the first answers, retransmissions of a final response (timer G), retransmissions
/// of a 2xx until its ACK — stays within `amplificationFactor` times the bytes that arrived for it, the request's
/// retransmissions included. A peer that really is there retransmits its request when an answer is lost, which
/// raises the budget, so reliability is kept for everyone who is listening. Error answers to requests outside a
/// dialog, the digest challenge above all, can go without a transaction at all (`respondStatelessly`).
extension SIPStack {
    /// How many times the bytes received an unanswering source may get back.
    static let amplificationFactor = 3

    /// Bytes the transaction may still send before it reaches the budget.
    func remainingBudget(_ t: ServerTransaction) -> Int {
        max(0, Self.amplificationFactor &* t.receivedBytes &- t.sentBytes)
    }

    /// Whether `t` may send `bytes` again (always on streams, where the source is proven); counts it if so.
    func mayRetransmit(_ t: ServerTransaction, _ bytes: ByteBuffer) -> Bool {
        guard !t.peer.transport.isReliable, t.receivedBytes > 0 else { return true }
        guard bytes.readableBytes <= remainingBudget(t) else {
            counters.retransmissionsWithheld &+= 1
            return false
        }
        t.sentBytes &+= bytes.readableBytes
        return true
    }

    /// A retransmitted INVITE whose 2xx is still unacknowledged: it adds to the 2xx's budget and gets the 2xx again
    /// (RFC 6026 §7.1: the TU answers retransmissions in the Accepted state).
    func resend2xx(for t: ServerTransaction, size: Int) {
        guard let id = t.dialogID, let dialog = dialogs[id], let buffer = dialog.pending2xx else { return }
        guard var budget = dialog.retransmitBudget else {
            _ = send(buffer, to: dialog.peer)
            return
        }
        budget &+= Self.amplificationFactor &* size
        if buffer.readableBytes <= budget {
            budget -= buffer.readableBytes
            _ = send(buffer, to: dialog.peer)
        } else {
            counters.retransmissionsWithheld &+= 1
        }
        dialog.retransmitBudget = budget
    }

    /// Sends a final error response to a request outside a dialog once, and forgets the transaction at once: no
    /// retransmission, nothing kept. A retransmitted request is handled, and answered, afresh; the ACK for a
    /// statelessly answered INVITE matches nothing and is absorbed (RFC 3261 §17.2.3 leaves a UAS free to answer
    /// statelessly; Kamailio's sl_send_reply does the same for challenges).
    func respondStatelessly(_ t: ServerTransaction, statusCode: Int, reason: String?, headers: [(String, String)]) {
        respond(t, statusCode: statusCode, reason: reason, headers: headers)
        guard statusCode >= 300, t.request.to?.tag == nil else { return }
        counters.statelessAnswers &+= 1
        terminate(t)
    }
}
