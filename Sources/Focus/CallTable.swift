import MCUControl
import SIP

/// A dial-in call as its INVITE names it: Call-ID and From tag. Used only to refuse a second INVITE that reuses a live
/// call's identifiers; the focus's own identifiers (``EndpointID``) are random and never derived from these.
struct CallKey: Hashable, Sendable {
    var callID: String
    var fromTag: String
}

/// Why a new call is refused before any work is done for it.
enum CallClaimRefusal: Equatable {
    /// A live call (answered, a member) has this Call-ID and From tag.
    case collision
    /// The source holds `limit` calls already.
    case callsPerSource(limit: Int)
    /// The source holds `limit` anonymous calls already.
    case unauthenticatedPerSource(limit: Int)
}

/// The focus's calls: memberships by dialog, the Call-ID/From-tag pairs of dial-in calls from INVITE to their end,
/// and what each source IP holds. One value behind one lock, so a claim and its counts change together.
struct CallTable: Sendable {
    /// A participant's place: which conference, which MCU endpoint, and what their call holds.
    struct Membership: Sendable {
        var conference: ConferenceID
        var endpoint: EndpointID
        /// The INVITE's identifiers (dial-in only).
        var key: CallKey?
        /// The source IP counted for this call (nil when trusted or dial-out).
        var source: String?
        var anonymous = false
        /// A re-INVITE was answered with the MCU's SDP and its ACK has not come yet (the MCU may hold a new key back).
        var answerUnconfirmed = false
    }

    private(set) var byDialog: [SIPDialogID: Membership] = [:]
    /// INVITEs being worked on, by their identifiers: a digest retry (same Call-ID and From tag, the next CSeq) may
    /// arrive before the challenged INVITE's handler has given its claim back, so several may be pending at once.
    private(set) var pending: [CallKey: Int] = [:]
    /// The identifiers of live calls: a new INVITE that reuses them is refused.
    private(set) var live: Set<CallKey> = []
    private(set) var callsBySource: [String: Int] = [:]
    private(set) var anonymousBySource: [String: Int] = [:]

    /// Takes the key and a place for the source (nil: trusted, not counted) before the INVITE is worked on; the
    /// refusal when it cannot.
    mutating func claim(_ key: CallKey, source: String?, limit: Int) -> CallClaimRefusal? {
        guard !live.contains(key) else { return .collision }
        if let source {
            let held = callsBySource[source, default: 0]
            guard held < limit else { return .callsPerSource(limit: limit) }
            callsBySource[source] = held + 1
        }
        pending[key, default: 0] += 1
        return nil
    }

    /// Counts an anonymous call against its source once the caller is known to be anonymous; the refusal when the
    /// source holds its limit.
    mutating func claimAnonymous(source: String?, limit: Int) -> CallClaimRefusal? {
        guard let source else { return nil }
        let held = anonymousBySource[source, default: 0]
        guard held < limit else { return .unauthenticatedPerSource(limit: limit) }
        anonymousBySource[source] = held + 1
        return nil
    }

    /// Gives back what a claim took (a refused or failed call).
    mutating func release(_ key: CallKey?, source: String?, anonymous: Bool) {
        if let key { pending.decrementCount(key) }
        giveBack(source: source, anonymous: anonymous)
    }

    private mutating func giveBack(source: String?, anonymous: Bool) {
        guard let source else { return }
        callsBySource.decrementCount(source)
        if anonymous { anonymousBySource.decrementCount(source) }
    }

    /// A call became a member: its claim turns live (its identifiers are refused to anyone else until it ends).
    mutating func add(_ dialog: SIPDialogID, _ membership: Membership) {
        byDialog[dialog] = membership
        if let key = membership.key {
            pending.decrementCount(key)
            live.insert(key)
        }
    }

    /// A call taken over from the store (a restarted focus): live, and counted against its source again.
    mutating func restore(_ dialog: SIPDialogID, _ membership: Membership) {
        byDialog[dialog] = membership
        if let key = membership.key { live.insert(key) }
        if let source = membership.source {
            callsBySource[source, default: 0] += 1
            if membership.anonymous { anonymousBySource[source, default: 0] += 1 }
        }
    }

    subscript(dialog: SIPDialogID) -> Membership? { byDialog[dialog] }

    /// Marks a re-INVITE's answer sent (true) or acknowledged; returns whether it was waiting before.
    @discardableResult
    mutating func setAnswerUnconfirmed(_ dialog: SIPDialogID, _ waiting: Bool) -> Bool {
        guard let was = byDialog[dialog]?.answerUnconfirmed else { return false }
        byDialog[dialog]?.answerUnconfirmed = waiting
        return was
    }

    /// Ends a membership and gives back everything it held; nil when there was none.
    mutating func end(_ dialog: SIPDialogID) -> Membership? {
        guard let m = byDialog.removeValue(forKey: dialog) else { return nil }
        if let key = m.key { live.remove(key) }
        giveBack(source: m.source, anonymous: m.anonymous)
        return m
    }

    var count: Int { byDialog.count }
}
