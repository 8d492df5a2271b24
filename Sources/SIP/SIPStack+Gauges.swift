import Metrics
import NIOCore

extension SIPStack {
    /// Records what the stack holds (``SIPStateCounts``, the rate table, accepted TCP connections) as swift-metrics
    /// gauges every `interval`, for `/metrics`: state that grows without bound shows there first.
    func startStateGauges(every interval: TimeAmount = .seconds(5)) {
        eventLoop.preconditionInEventLoop()
        guard gaugeTask == nil else { return }
        let dialogs = Gauge(label: "consort_sip_dialogs")
        let serverTransactions = Gauge(label: "consort_sip_transactions", dimensions: [("side", "server")])
        let clientTransactions = Gauge(label: "consort_sip_transactions", dimensions: [("side", "client")])
        let sources = Gauge(label: "consort_sip_rate_table_sources")
        let connections = Gauge(label: "consort_sip_tcp_connections")
        gaugeTask = eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { [weak self] _ in
            guard let self else { return }
            let counts = self.stateCounts
            dialogs.record(counts.dialogs)
            serverTransactions.record(counts.serverTransactions)
            clientTransactions.record(counts.clientTransactions)
            sources.record(self.sourceGuard.trackedSources)
            connections.record(self.sourceGuard.tcpTotal)
        }
    }

    func stopStateGauges() {
        eventLoop.preconditionInEventLoop()
        gaugeTask?.cancel()
        gaugeTask = nil
    }
}
