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
    /// Another live call has this Call-ID and From tag.
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
    }

    private(set) var byDialog: [SIPDialogID: Membership] = [:]
    private(set) var claimed: Set<CallKey> = []
    private(set) var callsBySource: [String: Int] = [:]
    private(set) var anonymousBySource: [String: Int] = [:]

    /// Takes the key and a place for the source (nil: trusted, not counted) before the INVITE is worked on; the
    /// refusal when it cannot.
    mutating func claim(_ key: CallKey, source: String?, limit: Int) -> CallClaimRefusal? {
        guard !claimed.contains(key) else { return .collision }
        if let source {
            let held = callsBySource[source, default: 0]
            guard held < limit else { return .callsPerSource(limit: limit) }
            callsBySource[source] = held + 1
        }
        claimed.insert(key)
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

    /// Gives back what a claim took (a refused or failed call, or one that ended).
    mutating func release(_ key: CallKey?, source: String?, anonymous: Bool) {
        if let key { claimed.remove(key) }
        guard let source else { return }
        callsBySource.decrementCount(source)
        if anonymous { anonymousBySource.decrementCount(source) }
    }

    mutating func add(_ dialog: SIPDialogID, _ membership: Membership) { byDialog[dialog] = membership }

    subscript(dialog: SIPDialogID) -> Membership? { byDialog[dialog] }

    /// Ends a membership and gives back everything it held; nil when there was none.
    mutating func end(_ dialog: SIPDialogID) -> Membership? {
        guard let m = byDialog.removeValue(forKey: dialog) else { return nil }
        release(m.key, source: m.source, anonymous: m.anonymous)
        return m
    }

    var count: Int { byDialog.count }
}
