/// Where a conference reports roster changes: the conference event package's subscriptions (and metrics).
/// `publish` must return at once; delivery happens elsewhere. Subscribers get the difference from what they hold.
public protocol ConferenceEventPublisher: Sendable {
    func publish(_ snapshot: ConferenceSnapshot)
}
