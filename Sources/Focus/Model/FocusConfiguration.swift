public import SIP

/// The `focus` section of `Config/consort.yaml`: the database, the tenants with their users and scheduled meetings,
/// and which tenant answers requests for unknown hosts.
public struct FocusConfiguration: Sendable, Codable, Equatable {
    /// Where the store lives: a SQLite database file, created and migrated on first start (relative paths from the
    /// working directory), or a `postgres://user:password@host:port/database` URL of the PostgreSQL database several
    /// hosts share (migrated on start too).
    public var database: String = "consort.sqlite"
    /// The tenant that receives requests whose Request-URI host is an IP address or a domain no tenant declares.
    /// When no tenant in `tenants` has this ID it exists anyway, with no domains and the default policy (ad hoc
    /// meetings, anonymous join, no lobby, plain RTP allowed).
    public var defaultTenant: String = "default"
    /// Seconds an empty conference lingers before the focus removes it from its MCU.
    public var emptyConferenceGraceSeconds: Int = 10
    /// Longest subscription to the conference event package (seconds); a SUBSCRIBE asking more gets this.
    public var maxSubscriptionSeconds: Int = 3600
    /// Longest registration (seconds); a REGISTER asking more gets this.
    public var maxRegistrationSeconds: Int = 3600
    /// Wrong PIN entries before the focus hangs up.
    public var passcodeAttempts: Int = 3
    /// The announcements the MCU plays (WAV, 8–48 kHz mono 16-bit); a relative path is taken from the folder of the
    /// configuration file (`Config/` for `Config/consort.yaml`).
    public var promptDirectory: String = "prompts"
    /// SIP URI of an outbound proxy for dial-out to addresses that are not the tenant's registered users; nil: to
    /// the URI's host.
    public var outboundProxy: String? = nil
    /// Digest algorithms challenged with, in order of preference (RFC 8760: SHA-256 first). Clients that know only
    /// MD5 and take the first challenge (sipp 3.6) need MD5 alone here.
    public var digestAlgorithms: [DigestAlgorithm] = [.sha256, .md5]
    /// What one source may hold, and the waits that end on their own.
    public var limits = FocusLimits()
    /// The customer organisations.
    public var tenants: [TenantConfiguration] = []

    public init() {}

    enum CodingKeys: String, CodingKey {
        case database, defaultTenant, emptyConferenceGraceSeconds, maxSubscriptionSeconds, maxRegistrationSeconds, passcodeAttempts
        case promptDirectory, outboundProxy, digestAlgorithms, limits, tenants
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = FocusConfiguration()
        database = try c.decodeIfPresent(String.self, forKey: .database) ?? d.database
        defaultTenant = try c.decodeIfPresent(String.self, forKey: .defaultTenant) ?? d.defaultTenant
        emptyConferenceGraceSeconds = try c.decodeIfPresent(Int.self, forKey: .emptyConferenceGraceSeconds) ?? d.emptyConferenceGraceSeconds
        maxSubscriptionSeconds = try c.decodeIfPresent(Int.self, forKey: .maxSubscriptionSeconds) ?? d.maxSubscriptionSeconds
        maxRegistrationSeconds = try c.decodeIfPresent(Int.self, forKey: .maxRegistrationSeconds) ?? d.maxRegistrationSeconds
        passcodeAttempts = try c.decodeIfPresent(Int.self, forKey: .passcodeAttempts) ?? d.passcodeAttempts
        promptDirectory = try c.decodeIfPresent(String.self, forKey: .promptDirectory) ?? d.promptDirectory
        outboundProxy = try c.decodeIfPresent(String.self, forKey: .outboundProxy)
        digestAlgorithms = try c.decodeIfPresent([DigestAlgorithm].self, forKey: .digestAlgorithms) ?? d.digestAlgorithms
        limits = try c.decodeIfPresent(FocusLimits.self, forKey: .limits) ?? d.limits
        tenants = try c.decodeIfPresent([TenantConfiguration].self, forKey: .tenants) ?? d.tenants
    }

    /// Every tenant, the default one included (added with defaults when not declared).
    public var effectiveTenants: [TenantConfiguration] {
        if tenants.contains(where: { $0.id == defaultTenant }) { return tenants }
        return [TenantConfiguration(id: defaultTenant)] + tenants
    }

    /// What is wrong, said so the operator can fix the file; nil when nothing is.
    public func validationProblem() -> String? {
        if database.isEmpty { return "focus.database must name a file or a postgres:// URL" }
        if emptyConferenceGraceSeconds < 0 { return "focus.emptyConferenceGraceSeconds must not be negative" }
        if maxSubscriptionSeconds < 60 { return "focus.maxSubscriptionSeconds must be at least 60" }
        if maxRegistrationSeconds < 60 { return "focus.maxRegistrationSeconds must be at least 60" }
        if passcodeAttempts < 1 { return "focus.passcodeAttempts must be at least 1" }
        if digestAlgorithms.isEmpty { return "focus.digestAlgorithms must name SHA-256, MD5 or both" }
        if let p = limits.validationProblem() { return p }
        var ids = Set<String>()
        var domains: [String: String] = [:]
        for tenant in effectiveTenants {
            if let p = tenant.validationProblem() { return "focus.tenants \(tenant.id): \(p)" }
            if !ids.insert(tenant.id).inserted { return "focus.tenants: tenant \(tenant.id) is declared twice" }
            for domain in tenant.domains {
                if let other = domains[domain.lowercased()] {
                    return "focus.tenants: domain \(domain) belongs to both \(other) and \(tenant.id)"
                }
                domains[domain.lowercased()] = tenant.id
            }
        }
        return nil
    }
}

/// One tenant as the configuration declares it.
public struct TenantConfiguration: Sendable, Codable, Equatable {
    public var id: String
    /// SIP domains; the first is the digest realm.
    public var domains: [String] = []
    public var policy = MeetingPolicy()
    public var quotas = TenantQuotas()
    /// What its dial-out may call (by default: its own registered users only).
    public var dialOut = DialOutPolicy()
    /// Bearer tokens for the admin API that see only this tenant.
    public var adminTokens: [String] = []
    public var users: [UserConfiguration] = []
    public var meetings: [MeetingConfiguration] = []

    public init(id: String) { self.id = id }

    enum CodingKeys: String, CodingKey { case id, domains, policy, quotas, dialOut, adminTokens, users, meetings }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        domains = try c.decodeIfPresent([String].self, forKey: .domains) ?? []
        policy = try c.decodeIfPresent(MeetingPolicy.self, forKey: .policy) ?? MeetingPolicy()
        quotas = try c.decodeIfPresent(TenantQuotas.self, forKey: .quotas) ?? TenantQuotas()
        dialOut = try c.decodeIfPresent(DialOutPolicy.self, forKey: .dialOut) ?? DialOutPolicy()
        adminTokens = try c.decodeIfPresent([String].self, forKey: .adminTokens) ?? []
        users = try c.decodeIfPresent([UserConfiguration].self, forKey: .users) ?? []
        meetings = try c.decodeIfPresent([MeetingConfiguration].self, forKey: .meetings) ?? []
    }

    /// The tenant record.
    public var tenant: Tenant { Tenant(id: id, domains: domains, policy: policy, quotas: quotas, dialOut: dialOut) }

    func validationProblem() -> String? {
        if id.isEmpty || !id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) {
            return "an id is letters, digits, '-', '_' and '.' only"
        }
        if let p = policy.validationProblem() { return "policy: \(p)" }
        if let p = dialOut.validationProblem() { return p }
        var names = Set<String>()
        for user in users {
            if user.name.isEmpty { return "a user has no name" }
            if !names.insert(user.name).inserted { return "user \(user.name) is declared twice" }
            if user.password == nil && (user.ha1MD5 == nil || user.ha1SHA256 == nil) {
                return "user \(user.name) needs a password, or both ha1MD5 and ha1SHA256"
            }
        }
        var meetingIDs = Set<String>()
        for meeting in meetings {
            if meeting.id.isEmpty { return "a meeting has no id" }
            if !meetingIDs.insert(meeting.id).inserted { return "meeting \(meeting.id) is declared twice" }
            if let organizer = meeting.organizer, !names.contains(organizer) {
                return "meeting \(meeting.id): organizer \(organizer) is not a user of the tenant"
            }
            if let presenter = (meeting.presenters ?? []).first(where: { !names.contains($0) }) {
                return "meeting \(meeting.id): presenter \(presenter) is not a user of the tenant"
            }
            if let pin = meeting.passcode, pin.isEmpty || !pin.allSatisfy({ $0.isASCII && $0.isNumber }) {
                return "meeting \(meeting.id): a passcode is digits only"
            }
        }
        return nil
    }
}

/// A user as the configuration declares them: a password (hashed on load, never stored) or the two HA1 values.
public struct UserConfiguration: Sendable, Codable, Equatable {
    public var name: String
    public var displayName: String?
    public var password: String?
    public var ha1MD5: String?
    public var ha1SHA256: String?

    public init(name: String, displayName: String? = nil, password: String? = nil) {
        self.name = name
        self.displayName = displayName
        self.password = password
    }
}

/// A scheduled meeting as the configuration declares it.
public struct MeetingConfiguration: Sendable, Codable, Equatable {
    public var id: String
    public var subject: String?
    public var organizer: String?
    public var presenters: [String]?
    public var passcode: String?
    public var policy: MeetingPolicyOverrides?

    public init(id: String) { self.id = id }
}
