import Metrics

/// The focus's metrics, through swift-metrics (the executable bootstraps a Prometheus backend for `/metrics`):
/// joins and refused joins by reason, live conferences and participants, subscriptions — each per tenant.
public struct FocusCounters: Sendable {
    public init() {}

    func joined(tenant: String) {
        Counter(label: "consort_joins_total", dimensions: [("tenant", tenant)]).increment()
    }

    func joinFailed(tenant: String, reason: String) {
        Counter(label: "consort_join_failures_total", dimensions: [("tenant", tenant), ("reason", reason)]).increment()
    }

    func usage(tenant: String, conferences: Int, participants: Int) {
        Gauge(label: "consort_conferences", dimensions: [("tenant", tenant)]).record(conferences)
        Gauge(label: "consort_participants", dimensions: [("tenant", tenant)]).record(participants)
    }

    func subscriptions(_ count: Int) {
        Gauge(label: "consort_conference_subscriptions").record(count)
    }

    func notifySent(ok: Bool) {
        Counter(label: "consort_notify_total", dimensions: [("result", ok ? "ok" : "failed")]).increment()
    }
}
