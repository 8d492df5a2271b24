/// Where a conference reports roster changes: the conference event package's subscriptions (and metrics).
/// `publish` must return at once; delivery happens elsewhere.
public protocol ConferenceEventPublisher: Sendable {
    func publish(_ snapshot: ConferenceSnapshot, changed: [RosterEntry], removed: [RosterEntry])
}
