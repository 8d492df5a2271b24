import Metrics
public import Prometheus
import Synchronization

/// The process's one Prometheus registry. swift-metrics takes a backend once per process, so the first use of
/// ``registry`` bootstraps `MetricsSystem` with a factory over it, and every admin server in the process (the one
/// `consort serve` runs, the ones tests start) renders the same registry. Nothing else in the process may bootstrap
/// swift-metrics.
public enum AdminMetrics {
    private static let shared = Mutex<PrometheusCollectorRegistry?>(nil)

    /// The buckets of the histograms other targets record (swift-metrics has no notion of buckets: the backend owns
    /// them), in seconds. Jitter: 1 ms to 500 ms, finest where calls go from fine (a few ms) to audibly bad (30–50 ms).
    /// Jitter-buffer delay: in the buffer's 20 ms steps up to 200 ms, then coarser to 1 s.
    static let histogramBuckets: [String: [Double]] = [
        "consort_media_jitter_seconds": [0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5],
        "consort_media_jitter_buffer_delay_seconds": [0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.14, 0.16, 0.2, 0.3, 0.5, 1],
    ]

    /// The registry behind swift-metrics, bootstrapping it on first use.
    public static var registry: PrometheusCollectorRegistry {
        shared.withLock { registry in
            if let registry { return registry }
            let created = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: created)
            factory.valueHistogramBuckets = histogramBuckets
            MetricsSystem.bootstrap(factory)
            registry = created
            return created
        }
    }
}
