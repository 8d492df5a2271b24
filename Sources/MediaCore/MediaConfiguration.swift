/// Settings of the embedded MCU, decoded from the `media` section of `Config/consort.yaml` (beside `opus` and `mixer`).
public struct MCUConfiguration: Sendable, Equatable, Codable {
    /// The UDP port range for RTP and RTCP, "first-last" (even ports carry RTP, the next odd one RTCP).
    public var rtpPorts: String = "40000-49999"
    /// The address media sockets bind to.
    public var bindAddress: String = "0.0.0.0"
    /// The address written into SDP c= lines; nil: the address the caller dialed (the INVITE's Request-URI host when it
    /// is an IP address), else the SIP listening address.
    public var advertisedAddress: String? = nil
    /// Event loops that run conferences; 0 means one per core.
    public var loops: Int = 0
    /// The real-time priority (SCHED_RR, 1-99) of the threads of the loops that run conferences, so a tick is not kept
    /// waiting by other work on the machine (as FreeSWITCH's and Asterisk's real-time options); 0 leaves them at the
    /// normal policy. Needs CAP_SYS_NICE or an RLIMIT_RTPRIO of at least this; without it the MCU says so and runs at
    /// the normal policy. Not applied with manual ticks.
    public var realtimePriority: Int = 10
    /// Consecutive in-sequence RTP packets (one source address:port, one SSRC) a stream from the SIP request's source
    /// IP must send before it is accepted (callers behind NAT); packets from the SDP's own address are accepted at once.
    public var probationPackets: Int = 4
    /// Seconds the MCU sends to a signalled address before it has heard an accepted packet from the peer; then it stops
    /// (RTP and RTCP, audio and video) until the peer shows life. 0: nothing is sent before that.
    public var unverifiedSendSeconds: Int = 5
    /// The media timeout of an endpoint on hold or inactive (we do not send to it); 0 turns it off.
    public var holdTimeoutSeconds: Int = 300
    /// The largest share (0-1] of the RTP port pairs one tenant may hold; a new endpoint past it is refused with
    /// `capacity` (503 + Retry-After), so one tenant cannot take the ports another's quota needs.
    public var maxTenantPortShare: Double = 0.5
    /// The largest share (0-1] of the MCU's tick time (every loop's second, each second) one tenant's conferences may
    /// take, as measured over the last second; a new endpoint past it is refused with `capacity` (503 + Retry-After),
    /// so one tenant's heavy meetings cannot take the mixing time another's quota needs.
    public var maxTenantTickShare: Double = 0.5
    /// The largest share (0-1] of the MCU's tick time all conferences together may take, as measured over the last
    /// second; a new endpoint past it is refused with `capacity` (503 + Retry-After) whatever its tenant. It keeps time
    /// for what is already mixing and, with real-time loops (``realtimePriority``), for the normal threads (SIP, focus).
    public var maxTickShare: Double = 0.85
    /// The DTMF sequence (RFC 4733) that toggles a participant's self-mute; empty turns it off.
    public var selfMuteDTMF: String = "*6"
    /// Seconds without RTP or RTCP from an endpoint before the focus is told (and hangs up); 0 turns the check off.
    /// Every endpoint counts: sending, receive-only, in the lobby or at the PIN prompt (hold and inactive use
    /// `holdTimeoutSeconds`).
    public var mediaTimeoutSeconds: Int = 30

    public init() {}

    enum CodingKeys: String, CodingKey {
        case rtpPorts, bindAddress, advertisedAddress, loops, selfMuteDTMF, mediaTimeoutSeconds, probationPackets, unverifiedSendSeconds
        case holdTimeoutSeconds, maxTenantPortShare, maxTenantTickShare, maxTickShare, realtimePriority
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MCUConfiguration()
        rtpPorts = try c.decodeIfPresent(String.self, forKey: .rtpPorts) ?? d.rtpPorts
        bindAddress = try c.decodeIfPresent(String.self, forKey: .bindAddress) ?? d.bindAddress
        advertisedAddress = try c.decodeIfPresent(String.self, forKey: .advertisedAddress)
        loops = try c.decodeIfPresent(Int.self, forKey: .loops) ?? d.loops
        realtimePriority = try c.decodeIfPresent(Int.self, forKey: .realtimePriority) ?? d.realtimePriority
        selfMuteDTMF = try c.decodeIfPresent(String.self, forKey: .selfMuteDTMF) ?? d.selfMuteDTMF
        mediaTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .mediaTimeoutSeconds) ?? d.mediaTimeoutSeconds
        probationPackets = try c.decodeIfPresent(Int.self, forKey: .probationPackets) ?? d.probationPackets
        unverifiedSendSeconds = try c.decodeIfPresent(Int.self, forKey: .unverifiedSendSeconds) ?? d.unverifiedSendSeconds
        holdTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .holdTimeoutSeconds) ?? d.holdTimeoutSeconds
        maxTenantPortShare = try c.decodeIfPresent(Double.self, forKey: .maxTenantPortShare) ?? d.maxTenantPortShare
        maxTenantTickShare = try c.decodeIfPresent(Double.self, forKey: .maxTenantTickShare) ?? d.maxTenantTickShare
        maxTickShare = try c.decodeIfPresent(Double.self, forKey: .maxTickShare) ?? d.maxTickShare
    }

    /// The port range as numbers, or nil when `rtpPorts` is malformed.
    public var portRange: ClosedRange<Int>? {
        let parts = rtpPorts.split(separator: "-").map { Int(String($0.filter { $0 != " " })) }
        guard parts.count == 2, let low = parts[0], let high = parts[1], 1_024 <= low, low + 1 < high, high <= 65_535 else { return nil }
        return low...high
    }

    /// The first setting that cannot work, or nil.
    public func validationProblem() -> String? {
        if portRange == nil { return "media.rtpPorts must be \"first-last\" within 1024-65535 with at least two ports, not \"\(rtpPorts)\"" }
        if MediaAddress(host: bindAddress, port: 0) == nil { return "media.bindAddress must be an IPv4 address, not \(bindAddress)" }
        if let a = advertisedAddress, MediaAddress(host: a, port: 0) == nil { return "media.advertisedAddress must be an IPv4 address, not \(a)" }
        if loops < 0 { return "media.loops must be 0 (one per core) or more" }
        if !(0...99).contains(realtimePriority) { return "media.realtimePriority must be 0 (off) or a SCHED_RR priority 1-99, not \(realtimePriority)" }
        if !selfMuteDTMF.allSatisfy({ "0123456789*#".contains($0) }) { return "media.selfMuteDTMF may hold only 0-9, * and #" }
        if mediaTimeoutSeconds < 0 || mediaTimeoutSeconds > 86_400 { return "media.mediaTimeoutSeconds must be 0 (off) to 86400" }
        if holdTimeoutSeconds < 0 || holdTimeoutSeconds > 86_400 { return "media.holdTimeoutSeconds must be 0 (off) to 86400" }
        if probationPackets < 1 || probationPackets > 100 { return "media.probationPackets must be 1 to 100" }
        if unverifiedSendSeconds < 0 || unverifiedSendSeconds > 60 { return "media.unverifiedSendSeconds must be 0 to 60" }
        if !(maxTenantPortShare > 0 && maxTenantPortShare <= 1) { return "media.maxTenantPortShare must be more than 0 and at most 1" }
        if !(maxTenantTickShare > 0 && maxTenantTickShare <= 1) { return "media.maxTenantTickShare must be more than 0 and at most 1" }
        if !(maxTickShare > 0 && maxTickShare <= 1) { return "media.maxTickShare must be more than 0 and at most 1" }
        return nil
    }
}
