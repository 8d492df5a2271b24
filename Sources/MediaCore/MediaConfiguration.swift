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
    /// Accept a plain-RTP stream moving to a new source address (NAT rebinding). SRTP streams may move only with a
    /// packet that authenticates.
    public var allowPlainRTPAddressChange: Bool = false
    /// The DTMF sequence (RFC 4733) that toggles a participant's self-mute; empty turns it off.
    public var selfMuteDTMF: String = "*6"
    /// Seconds without RTP or RTCP from an endpoint that should be sending before the focus is told (and hangs up);
    /// 0 turns the check off. Callers on hold (inactive) or waiting in the lobby are not counted.
    public var mediaTimeoutSeconds: Int = 30

    public init() {}

    enum CodingKeys: String, CodingKey {
        case rtpPorts, bindAddress, advertisedAddress, loops, allowPlainRTPAddressChange, selfMuteDTMF, mediaTimeoutSeconds
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MCUConfiguration()
        rtpPorts = try c.decodeIfPresent(String.self, forKey: .rtpPorts) ?? d.rtpPorts
        bindAddress = try c.decodeIfPresent(String.self, forKey: .bindAddress) ?? d.bindAddress
        advertisedAddress = try c.decodeIfPresent(String.self, forKey: .advertisedAddress)
        loops = try c.decodeIfPresent(Int.self, forKey: .loops) ?? d.loops
        allowPlainRTPAddressChange = try c.decodeIfPresent(Bool.self, forKey: .allowPlainRTPAddressChange) ?? d.allowPlainRTPAddressChange
        selfMuteDTMF = try c.decodeIfPresent(String.self, forKey: .selfMuteDTMF) ?? d.selfMuteDTMF
        mediaTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .mediaTimeoutSeconds) ?? d.mediaTimeoutSeconds
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
        if !selfMuteDTMF.allSatisfy({ "0123456789*#".contains($0) }) { return "media.selfMuteDTMF may hold only 0-9, * and #" }
        if mediaTimeoutSeconds < 0 || mediaTimeoutSeconds > 86_400 { return "media.mediaTimeoutSeconds must be 0 (off) to 86400" }
        return nil
    }
}
