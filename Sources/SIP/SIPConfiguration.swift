import SIPWire

/// Settings of the SIP stack, decoded from the `sip` section of `Config/consort.yaml`.
public struct SIPConfiguration: Sendable, Equatable, Codable {
    /// The address to listen on (`0.0.0.0` for every IPv4 address).
    public var address: String = "0.0.0.0"
    /// The port for UDP and TCP.
    public var port: Int = 5060
    /// Listen on UDP.
    public var udp: Bool = true
    /// Listen on TCP.
    public var tcp: Bool = true
    /// RFC 3261 T1, the round-trip estimate (ms): retransmissions start here and double.
    public var t1Milliseconds: Int = 500
    /// RFC 3261 T2, the longest retransmission interval for non-INVITE requests and INVITE responses (ms).
    public var t2Milliseconds: Int = 4_000
    /// RFC 3261 T4, how long the network may keep a message (ms).
    public var t4Milliseconds: Int = 5_000
    /// The `User-Agent` and `Server` header value.
    public var userAgent: String = "Consort"
    /// The smallest session interval (RFC 4028 Min-SE) accepted, in seconds.
    public var minSessionExpires: Int = 90
    /// How long a digest nonce is valid, in seconds.
    public var nonceLifetimeSeconds: Int = 300
    /// Largest SIP message accepted, in bytes.
    public var maxMessageBytes: Int = 65_535
    /// DNS servers ("address" or "address:port") for locating SIP servers by SRV (RFC 3263); empty: the
    /// `nameserver` lines of /etc/resolv.conf.
    public var nameservers: [String] = []
    /// Messages per second one source IP address may send over UDP, requests on TCP (a token bucket per address; 0
    /// turns the limit off). Over it, requests get a few `503` + `Retry-After` (never bigger than what was sent), then
    /// silence; responses and ACKs are dropped.
    public var requestsPerSecondPerSource: Int = 50
    /// How many requests a source may send at once before its rate counts.
    public var requestBurstPerSource: Int = 100
    /// Source addresses the rate table tracks at most; beyond, sources whose bucket refilled are forgotten first.
    public var rateLimitTableSize: Int = 16_384
    /// Open TCP connections one source IP address may hold.
    public var tcpConnectionsPerSource: Int = 16
    /// Open TCP connections in all.
    public var tcpConnectionsTotal: Int = 2_048
    /// Seconds a TCP connection may take to deliver a complete message (from opening, or from the first byte of a
    /// message) before it is closed.
    public var tcpHeaderTimeoutSeconds: Int = 10
    /// Seconds a TCP connection may stay without traffic either way before it is closed. Phones keep theirs with
    /// CRLF keep-alives (RFC 5626 §4.4.1, every 95–120 s) or reconnect.
    public var tcpIdleTimeoutSeconds: Int = 300
    /// CIDR blocks (an SBC, a PBX trunk, the provider's own load generators) exempt from the per-source limits but
    /// not from the totals. Empty by default: loopback is not trusted either.
    public var trustedSources: [String] = []
    /// The host written into Via and Contact. Nil: the local address each request arrived on (or, for requests the
    /// stack starts, the listening address; 127.0.0.1 when that is 0.0.0.0). Set it behind NAT to the public address.
    public var advertisedAddress: String?
    /// SIP over TLS (off by default).
    public var tls = SIPTLSConfiguration()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case address, port, udp, tcp, t1Milliseconds, t2Milliseconds, t4Milliseconds, userAgent, minSessionExpires,
            nonceLifetimeSeconds, maxMessageBytes, nameservers, requestsPerSecondPerSource, requestBurstPerSource,
            rateLimitTableSize, tcpConnectionsPerSource, tcpConnectionsTotal, tcpHeaderTimeoutSeconds, tcpIdleTimeoutSeconds,
            trustedSources, advertisedAddress, tls
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SIPConfiguration()
        address = try c.decodeIfPresent(String.self, forKey: .address) ?? d.address
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? d.port
        udp = try c.decodeIfPresent(Bool.self, forKey: .udp) ?? d.udp
        tcp = try c.decodeIfPresent(Bool.self, forKey: .tcp) ?? d.tcp
        t1Milliseconds = try c.decodeIfPresent(Int.self, forKey: .t1Milliseconds) ?? d.t1Milliseconds
        t2Milliseconds = try c.decodeIfPresent(Int.self, forKey: .t2Milliseconds) ?? d.t2Milliseconds
        t4Milliseconds = try c.decodeIfPresent(Int.self, forKey: .t4Milliseconds) ?? d.t4Milliseconds
        userAgent = try c.decodeIfPresent(String.self, forKey: .userAgent) ?? d.userAgent
        minSessionExpires = try c.decodeIfPresent(Int.self, forKey: .minSessionExpires) ?? d.minSessionExpires
        nonceLifetimeSeconds = try c.decodeIfPresent(Int.self, forKey: .nonceLifetimeSeconds) ?? d.nonceLifetimeSeconds
        maxMessageBytes = try c.decodeIfPresent(Int.self, forKey: .maxMessageBytes) ?? d.maxMessageBytes
        nameservers = try c.decodeIfPresent([String].self, forKey: .nameservers) ?? d.nameservers
        requestsPerSecondPerSource = try c.decodeIfPresent(Int.self, forKey: .requestsPerSecondPerSource) ?? d.requestsPerSecondPerSource
        requestBurstPerSource = try c.decodeIfPresent(Int.self, forKey: .requestBurstPerSource) ?? d.requestBurstPerSource
        rateLimitTableSize = try c.decodeIfPresent(Int.self, forKey: .rateLimitTableSize) ?? d.rateLimitTableSize
        tcpConnectionsPerSource = try c.decodeIfPresent(Int.self, forKey: .tcpConnectionsPerSource) ?? d.tcpConnectionsPerSource
        tcpConnectionsTotal = try c.decodeIfPresent(Int.self, forKey: .tcpConnectionsTotal) ?? d.tcpConnectionsTotal
        tcpHeaderTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .tcpHeaderTimeoutSeconds) ?? d.tcpHeaderTimeoutSeconds
        tcpIdleTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .tcpIdleTimeoutSeconds) ?? d.tcpIdleTimeoutSeconds
        trustedSources = try c.decodeIfPresent([String].self, forKey: .trustedSources) ?? d.trustedSources
        advertisedAddress = try c.decodeIfPresent(String.self, forKey: .advertisedAddress)
        tls = try c.decodeIfPresent(SIPTLSConfiguration.self, forKey: .tls) ?? d.tls
    }

    /// The first setting that cannot work, as a sentence, or nil.
    public func validationProblem() -> String? {
        if !(0...65_535).contains(port) { return "sip.port must be 0...65535, not \(port)" }
        if !udp && !tcp && !tls.enabled { return "sip: at least one of udp, tcp and tls.enabled must be on" }
        if t1Milliseconds < 1 || t2Milliseconds < t1Milliseconds || t4Milliseconds < 1 {
            return "sip timers must satisfy 0 < t1Milliseconds <= t2Milliseconds and t4Milliseconds > 0"
        }
        if minSessionExpires < 90 { return "sip.minSessionExpires must be at least 90 s (RFC 4028 §4)" }
        if maxMessageBytes < 1_500 || maxMessageBytes > 1_048_576 {
            return "sip.maxMessageBytes must be 1500...1048576"
        }
        if let bad = nameservers.first(where: { SIPResolver.nameserver($0) == nil }) {
            return "sip.nameservers: \(bad) is not an IPv4 address or address:port"
        }
        if requestsPerSecondPerSource < 0 || requestBurstPerSource < 1 || rateLimitTableSize < 16 {
            return "sip.requestsPerSecondPerSource must be >= 0 (0: off), requestBurstPerSource >= 1, rateLimitTableSize >= 16"
        }
        if tcpConnectionsPerSource < 1 || tcpConnectionsTotal < 1 {
            return "sip.tcpConnectionsPerSource and sip.tcpConnectionsTotal must be at least 1"
        }
        if tcpHeaderTimeoutSeconds < 1 || tcpIdleTimeoutSeconds < 1 {
            return "sip.tcpHeaderTimeoutSeconds and sip.tcpIdleTimeoutSeconds must be at least 1"
        }
        if let bad = trustedSources.first(where: { IPAddressRange($0) == nil }) {
            return "sip.trustedSources: \(bad) is not a CIDR block (like 192.0.2.0/24 or 2001:db8::/32)"
        }
        if let host = advertisedAddress, host.isEmpty || host.contains(where: { $0 == " " || $0 == ";" || $0 == "," || $0 == ">" }) {
            return "sip.advertisedAddress must be a host name or IP address (not \"\(host)\")"
        }
        if let problem = tls.validationProblem() { return problem }
        if tls.enabled, tcp, port != 0, tls.port == port {
            return "sip.tls.port (\(tls.port)) must differ from sip.port when TCP is on (both are TCP listeners)"
        }
        return nil
    }

    /// The RFC 3261 timers derived from T1, T2 and T4.
    public var timers: SIPTimers {
        SIPTimers(t1: .milliseconds(Int64(t1Milliseconds)), t2: .milliseconds(Int64(t2Milliseconds)), t4: .milliseconds(Int64(t4Milliseconds)))
    }
}
