import Logging
import Metrics
import NIOCore
public import SIPWire

/// Why the stack refused a peer something: the `reason` label of `consort_sip_refused_total`.
public enum SIPRefusalReason: String, Sendable, CaseIterable {
    /// More requests per second from one source IP than `sip.requestsPerSecondPerSource` allows.
    case rateLimit = "rate_limit"
    /// More TCP connections from one source IP than `sip.tcpConnectionsPerSource`.
    case tcpPerSource = "tcp_per_source"
    /// More TCP connections than `sip.tcpConnectionsTotal`.
    case tcpTotal = "tcp_total"
    /// A TCP connection that delivered no complete message within `sip.tcpHeaderTimeoutSeconds`.
    case headerTimeout = "header_timeout"
    /// A TCP connection without traffic for `sip.tcpIdleTimeoutSeconds`.
    case idleTimeout = "idle_timeout"
    /// A TLS connection a peer opened whose handshake failed (not TLS, no shared cipher or version, a bad certificate).
    case tlsHandshake = "tls_handshake"
}

/// The per-source limits of the stack and their bookkeeping, on the stack's event loop: the request rate table, the
/// TCP connection counts, which sources are trusted, and the refusal counters, metrics and rate-limited notices.
final class SIPSourceGuard {
    private let configuration: SIPConfiguration
    private let trusted: [IPAddressRange]
    private let logger: Logger
    private var rates: SourceRateLimiter
    private var tcpBySource: [SourceRateLimiter.Key: Int] = [:]
    private(set) var tcpTotal = 0
    /// Refusals since start, by reason.
    private(set) var refusals: [SIPRefusalReason: UInt64] = [:]
    private var refusalsSinceSummary = 0
    private var lastSummary: UInt64 = 0
    private let counters: [SIPRefusalReason: Counter]
    /// TLS connections we opened whose handshake failed (the peer's certificate not trusted, no common version…).
    private(set) var outboundTLSFailures: UInt64 = 0
    private let outboundTLSCounter = Counter(label: "consort_sip_tls_outbound_failures_total")

    init(configuration: SIPConfiguration, logger: Logger) {
        self.configuration = configuration
        self.trusted = configuration.trustedSources.compactMap(IPAddressRange.init)
        self.logger = logger
        self.rates = SourceRateLimiter(
            ratePerSecond: configuration.requestsPerSecondPerSource, burst: configuration.requestBurstPerSource,
            capacity: configuration.rateLimitTableSize)
        var counters: [SIPRefusalReason: Counter] = [:]
        for reason in SIPRefusalReason.allCases {
            counters[reason] = Counter(label: "consort_sip_refused_total", dimensions: [("reason", reason.rawValue)])
        }
        self.counters = counters
    }

    /// Sources the rate table tracks now.
    var trackedSources: Int { rates.count }

    /// The key of a peer's IP address (no allocation).
    static func key(_ address: SocketAddress) -> SourceRateLimiter.Key {
        switch address {
        case .v4(let v4):
            return .init(high: 0, low: UInt64(UInt32(bigEndian: v4.address.sin_addr.s_addr)))
        case .v6(let v6):
            var addr = v6.address.sin6_addr
            return withUnsafeBytes(of: &addr) { raw in
                var high: UInt64 = 0
                var low: UInt64 = 0
                for (i, byte) in raw.enumerated() where i < 16 {
                    if i < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
                }
                return .init(high: high, low: low)
            }
        default:
            return .init(high: .max, low: .max)
        }
    }

    /// The bytes of a peer's IP address, for CIDR checks.
    static func bytes(_ address: SocketAddress) -> [UInt8] {
        switch address {
        case .v4(let v4):
            let value = UInt32(bigEndian: v4.address.sin_addr.s_addr)
            return [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        case .v6(let v6):
            var addr = v6.address.sin6_addr
            return withUnsafeBytes(of: &addr) { Array($0.prefix(16)) }
        default:
            return []
        }
    }

    /// Whether `address` lies in one of `sip.trustedSources`.
    func isTrusted(_ address: SocketAddress) -> Bool {
        guard !trusted.isEmpty else { return false }
        let bytes = Self.bytes(address)
        return trusted.contains { $0.contains(bytes) }
    }

    /// The rate verdict for a message (a datagram, or a request on a stream) from `peer`; trusted sources are always
    /// admitted.
    func admitRequest(from peer: SIPPeer, now: NIODeadline) -> SourceRateLimiter.Verdict {
        if configuration.requestsPerSecondPerSource <= 0 || isTrusted(peer.address) { return .admit }
        let key = Self.key(peer.address)
        let nanoseconds = now.uptimeNanoseconds
        let verdict = rates.admit(key, now: nanoseconds)
        if verdict != .admit {
            let notice = rates.shouldLog(key, now: nanoseconds)
            refused(.rateLimit, peer: peer, notice: notice, now: nanoseconds)
        }
        return verdict
    }

    /// Counts a new TCP connection from `address`, or says why it must be closed (total first: it protects everyone).
    func openConnection(from address: SocketAddress, now: NIODeadline) -> SIPRefusalReason? {
        let peer = SIPPeer(transport: .tcp, address: address)
        let nanoseconds = now.uptimeNanoseconds
        if tcpTotal >= configuration.tcpConnectionsTotal {
            refused(.tcpTotal, peer: peer, notice: true, now: nanoseconds)
            return .tcpTotal
        }
        let key = Self.key(address)
        let mine = tcpBySource[key] ?? 0
        if mine >= configuration.tcpConnectionsPerSource, !isTrusted(address) {
            refused(.tcpPerSource, peer: peer, notice: mine == configuration.tcpConnectionsPerSource, now: nanoseconds)
            return .tcpPerSource
        }
        tcpBySource[key] = mine + 1
        tcpTotal += 1
        return nil
    }

    /// A counted connection closed.
    func closeConnection(from address: SocketAddress) {
        let key = Self.key(address)
        let left = (tcpBySource[key] ?? 1) - 1
        tcpBySource[key] = left > 0 ? left : nil
        tcpTotal = max(0, tcpTotal - 1)
    }

    /// A connection closed for a timeout.
    func timedOut(_ reason: SIPRefusalReason, peer: SIPPeer, now: NIODeadline) {
        refused(reason, peer: peer, notice: false, now: now.uptimeNanoseconds)
    }

    /// The handshake of a TLS connection failed: a peer's (counted as a refusal, logged at debug and in the minute's
    /// summary: anyone can send garbage) or one we opened (a warning: a call or dial-out will fail).
    func tlsHandshakeFailed(peer: SIPPeer, accepted: Bool, error: any Error, now: NIODeadline) {
        if accepted {
            logger.debug("TLS handshake failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
            refused(.tlsHandshake, peer: peer, notice: false, now: now.uptimeNanoseconds)
        } else {
            outboundTLSFailures &+= 1
            outboundTLSCounter.increment()
            logger.warning(
                "TLS handshake with a peer we connected to failed (check sip.tls.trustedCAs and the peer's certificate)",
                metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
    }

    /// Counts a refusal, logs a notice when asked (at most once a minute per source, decided by the caller), and a
    /// summary of everything refused at most once a minute.
    private func refused(_ reason: SIPRefusalReason, peer: SIPPeer, notice: Bool, now: UInt64) {
        refusals[reason, default: 0] &+= 1
        counters[reason]?.increment()
        refusalsSinceSummary += 1
        if notice {
            logger.notice("refusing a source", metadata: ["peer": "\(peer.host)", "reason": "\(reason.rawValue)"])
        } else {
            logger.debug("refused", metadata: ["peer": "\(peer)", "reason": "\(reason.rawValue)"])
        }
        if now &- min(now, lastSummary) >= 60_000_000_000 {
            let totals = SIPRefusalReason.allCases.map { "\($0.rawValue)=\(refusals[$0] ?? 0)" }.joined(separator: " ")
            logger.notice("refusals in the last minute: \(refusalsSinceSummary) (since start: \(totals))")
            lastSummary = now
            refusalsSinceSummary = 0
        }
    }
}
