public import MCUControl

/// Why a subscription is refused before its 2xx.
public enum SubscriptionRefusal: Sendable, Equatable {
    /// The source holds `limit` subscriptions already.
    case perSource(limit: Int)
    /// The conference has `limit` subscribers already.
    case perConference(limit: Int)
}

/// How many subscriptions each source IP and each conference hold, reservations (a SUBSCRIBE being answered)
/// included, so concurrent SUBSCRIBEs cannot overshoot a limit. Trusted sources (nil) are not counted per source.
struct SubscriptionQuota: Sendable {
    private(set) var bySource: [String: Int] = [:]
    private(set) var byConference: [ConferenceID: Int] = [:]

    /// Takes a place for a new subscription, or says why not.
    mutating func reserve(source: String?, conference: ConferenceID, perSource: Int, perConference: Int) -> SubscriptionRefusal? {
        let atConference = byConference[conference, default: 0]
        guard atConference < perConference else { return .perConference(limit: perConference) }
        if let source {
            let held = bySource[source, default: 0]
            guard held < perSource else { return .perSource(limit: perSource) }
            bySource[source] = held + 1
        }
        byConference[conference] = atConference + 1
        return nil
    }

    /// Gives a place back (the subscription ended, or its SUBSCRIBE was not answered 2xx).
    mutating func release(source: String?, conference: ConferenceID) {
        byConference.decrementCount(conference)
        if let source { bySource.decrementCount(source) }
    }
}
