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

    public init() {}

    enum CodingKeys: String, CodingKey {
        case address, port, udp, tcp, t1Milliseconds, t2Milliseconds, t4Milliseconds, userAgent, minSessionExpires,
            nonceLifetimeSeconds, maxMessageBytes, nameservers
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
    }

    /// The first setting that cannot work, as a sentence, or nil.
    public func validationProblem() -> String? {
        if !(0...65_535).contains(port) { return "sip.port must be 0...65535, not \(port)" }
        if !udp && !tcp { return "sip: at least one of udp and tcp must be on" }
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
        return nil
    }

    /// The RFC 3261 timers derived from T1, T2 and T4.
    public var timers: SIPTimers {
        SIPTimers(t1: .milliseconds(Int64(t1Milliseconds)), t2: .milliseconds(Int64(t2Milliseconds)), t4: .milliseconds(Int64(t4Milliseconds)))
    }
}
