import Metrics
public import Prometheus
import Synchronization

/// The process's one Prometheus registry. swift-metrics takes a backend once per process, so the first use of
/// ``registry`` bootstraps `MetricsSystem` with a factory over it, and every admin server in the process (the one
/// `consort serve` runs, the ones tests start) renders the same registry. Nothing else in the process may bootstrap
/// swift-metrics.
public enum AdminMetrics {
    private static let shared = Mutex<PrometheusCollectorRegistry?>(nil)

    /// The registry behind swift-metrics, bootstrapping it on first use.
    public static var registry: PrometheusCollectorRegistry {
        shared.withLock { registry in
            if let registry { return registry }
            let created = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: created))
            registry = created
            return created
        }
    }
}
