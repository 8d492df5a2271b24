extension MediaConference {
    /// Adds what an endpoint counted since its last report to the tenant's counters, and — when it sent audio in the
    /// last second — its jitter and jitter-buffer delay to the tenant's histograms. Once a second from the watch, and
    /// when the endpoint leaves (so nothing it counted is lost).
    func reportTraffic(of endpoint: MediaEndpoint) {
        let now = endpoint.metricCounters
        let delta = now.since(endpoint.reportedMetrics)
        endpoint.reportedMetrics = now
        metrics.add(delta)
        guard delta.audio.packetsReceived > 0 else { return }
        metrics.jitter.record(endpoint.jitterSeconds)
        metrics.jitterBufferDelay.record(endpoint.jitterBufferDelaySeconds)
    }

    /// Brings the conference's share of the tenant's gauges (conferences, endpoints, speakers, endpoints sent
    /// loss-protected audio) up to date: once a
    /// second, when an endpoint joins or leaves, and at start and stop (`active`; stopped, it counts for nothing).
    func publishGauges(active: Bool? = nil) {
        if let active { metrics.active = active }
        var now = MediaGaugeContribution()
        if metrics.active {
            now.conferences = 1
            now.endpoints = endpoints.count
            for endpoint in endpoints {
                if endpoint.participant.isSpeaker { now.speakers += 1 }
                if endpoint.participant.receivesLossProtection { now.lossProtected += 1 }
            }
        }
        metrics.publish(now)
    }
}
