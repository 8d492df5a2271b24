public import SIPWire

/// What a tenant's dial-out (admin API, an organizer's digest, REFER) may call: its own registered users, the domains
/// it lists, telephone numbers with the prefixes it lists (through `focus.outboundProxy`), and nothing else. Private,
/// loopback, link-local and other non-public addresses are refused unless `allowedNetworks` lists them, whether they
/// come from an IP address in the URI, a DNS answer or a user's registration; so dial-out can neither scan the
/// provider's own network nor run up a bill. The default is the tenant's own users.
public struct DialOutPolicy: Sendable, Codable, Equatable {
    /// Other SIP domains whose addresses may be called directly (located by DNS, RFC 3263).
    public var domains: [String] = []
    /// Telephone-number prefixes (the user part of a URI of digits, optionally with a leading `+`) that may be called
    /// through `focus.outboundProxy`. Empty: no numbers.
    public var numberPrefixes: [String] = []
    /// Address blocks (CIDR) dial-out may reach although they are not public: a PBX on 10.1.2.3, a lab on 127.0.0.0/8.
    /// An IP address written in a dialled URI must be inside one of these.
    public var allowedNetworks: [String] = []
    /// Dial-outs a tenant may start per minute.
    public var perMinute: Int = 10
    /// Dial-out calls of a tenant at once (ringing or connected).
    public var concurrent: Int = 10

    public init() {}

    enum CodingKeys: String, CodingKey { case domains, numberPrefixes, allowedNetworks, perMinute, concurrent }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DialOutPolicy()
        domains = try c.decodeIfPresent([String].self, forKey: .domains) ?? d.domains
        numberPrefixes = try c.decodeIfPresent([String].self, forKey: .numberPrefixes) ?? d.numberPrefixes
        allowedNetworks = try c.decodeIfPresent([String].self, forKey: .allowedNetworks) ?? d.allowedNetworks
        perMinute = try c.decodeIfPresent(Int.self, forKey: .perMinute) ?? d.perMinute
        concurrent = try c.decodeIfPresent(Int.self, forKey: .concurrent) ?? d.concurrent
    }

    /// What is wrong, said so the operator can fix the file; nil when nothing is.
    func validationProblem() -> String? {
        if let bad = allowedNetworks.first(where: { IPAddressRange($0) == nil }) {
            return "dialOut.allowedNetworks: \(bad) is not a CIDR block (like 10.0.0.0/8)"
        }
        if let bad = numberPrefixes.first(where: { !Self.isNumber($0) }) {
            return "dialOut.numberPrefixes: \(bad) is not digits with an optional leading +"
        }
        if perMinute < 0 || concurrent < 0 { return "dialOut.perMinute and dialOut.concurrent must not be negative" }
        return nil
    }

    /// How a URI that is not one of the tenant's users may be reached, or why it may not.
    public enum Route: Sendable, Equatable {
        /// Located by DNS (or an IP address in the URI); every address found must pass ``permits(address:)``.
        case direct
        /// Through the outbound proxy (a telephone number with an allowed prefix).
        case proxy
        case refused(String)
    }

    /// The route for `uri`, which is not one of the tenant's users; `ownDomains` are the tenant's.
    public func route(for uri: SIPURI, ownDomains: [String], hasProxy: Bool) -> Route {
        let host = uri.host.lowercased()
        if let user = uri.user, Self.isNumber(user) {
            let digits = user.hasPrefix("+") ? String(user.dropFirst()) : user
            let allowed = numberPrefixes.contains { prefix in
                let p = prefix.hasPrefix("+") ? String(prefix.dropFirst()) : prefix
                return digits.hasPrefix(p)
            }
            if allowed {
                return hasProxy ? .proxy : .refused("numbers need focus.outboundProxy, which is not set")
            }
        }
        if ownDomains.contains(where: { $0.lowercased() == host }) {
            return .refused("\(uri.user ?? "") is not a user of the tenant")
        }
        if IPAddressRange.parseAddress(host) != nil {
            return permits(address: host) ? .direct : .refused("\(host) is not in the tenant's dial-out allowedNetworks")
        }
        if domains.contains(where: { $0.lowercased() == host }) { return .direct }
        return .refused("\(uri.host) is not a domain the tenant's dial-out policy lists")
    }

    /// Whether dial-out may send to `address`: a public unicast address, or one inside `allowedNetworks`.
    public func permits(address: String) -> Bool {
        if allowedNetworks.compactMap(IPAddressRange.init).contains(where: { $0.contains(address: address) }) { return true }
        guard IPAddressRange.parseAddress(address) != nil else { return false }
        return !Self.nonPublic.contains { $0.contains(address: address) }
    }

    /// Loopback, private, shared (CGNAT), link-local, unspecified, multicast and reserved blocks (RFC 6890).
    static let nonPublic: [IPAddressRange] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128", "::ffff:0:0/96", "fc00::/7",
        "fe80::/10", "ff00::/8",
    ].compactMap(IPAddressRange.init)

    static func isNumber(_ text: String) -> Bool {
        let digits = text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
