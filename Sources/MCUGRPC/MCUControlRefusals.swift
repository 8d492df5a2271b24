import Logging
import LogLimits
import Metrics
import Synchronization

/// The control server's account of refused calls. Every refusal is counted (`consort_mcu_control_refused_total` by
/// reason, and ``count(_:)``); it is logged at warning at most once per interval per source address and reason, that
/// line saying how many were held back since the previous one (`heldBack`), and otherwise at debug — so an
/// unauthenticated flood costs a line a minute per source, not a line per call.
public final class MCUControlRefusals: Sendable {
    /// Why a call was refused.
    public enum Reason: String, Sendable, CaseIterable {
        /// No `authorization` metadata.
        case missingToken = "token_missing"
        /// An `authorization` that is not the instance's token.
        case wrongToken = "token_wrong"
        /// A protocol revision the instance does not accept (or none).
        case revision
    }

    private let limiter: Mutex<LogLimiter>
    private let counts = Mutex<[Reason: Int]>([:])
    private let counters: [Reason: Counter]
    private let now: @Sendable () -> Double

    /// Logs each source and reason at most once every `intervalSeconds` by `now` (seconds on a monotonic scale; the
    /// default reads the continuous clock).
    public init(intervalSeconds: Double = 60, now: (@Sendable () -> Double)? = nil) {
        limiter = Mutex(LogLimiter(intervalSeconds: intervalSeconds))
        let start = ContinuousClock.now
        self.now = now ?? {
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        var counters: [Reason: Counter] = [:]
        for reason in Reason.allCases {
            counters[reason] = Counter(label: "consort_mcu_control_refused_total", dimensions: [("reason", reason.rawValue)])
        }
        self.counters = counters
    }

    /// Refusals of `reason` so far.
    public func count(_ reason: Reason) -> Int { counts.withLock { $0[reason] ?? 0 } }

    /// Counts one refusal and logs it (at warning when its source and reason were not logged within the interval).
    /// `peer` is gRPC's remote peer ("ipv4:127.0.0.1:50123"): the limit is per address, whatever the port.
    func refused(_ reason: Reason, peer: String, message: Logger.Message, metadata: Logger.Metadata, logger: Logger) {
        counts.withLock { $0[reason, default: 0] += 1 }
        counters[reason]?.increment()
        let source = Self.address(of: peer)
        let heldBack = limiter.withLock { $0.admit("\(source)|\(reason.rawValue)", now: now()) }
        var metadata = metadata
        metadata["peer"] = "\(peer)"
        if let heldBack {
            metadata["heldBack"] = "\(heldBack)"
            logger.warning(message, metadata: metadata)
        } else {
            logger.debug(message, metadata: metadata)
        }
    }

    /// The address part of a gRPC peer: "ipv4:10.0.0.1:50123" → "10.0.0.1", "ipv6:[::1]:50123" → "::1".
    static func address(of peer: String) -> String {
        if peer.hasPrefix("ipv6:["), let close = peer.firstIndex(of: "]") {
            return String(peer[peer.index(peer.startIndex, offsetBy: 6)..<close])
        }
        if peer.hasPrefix("ipv4:"), let colon = peer.lastIndex(of: ":"), colon > peer.index(peer.startIndex, offsetBy: 4) {
            return String(peer[peer.index(peer.startIndex, offsetBy: 5)..<colon])
        }
        return peer
    }
}
