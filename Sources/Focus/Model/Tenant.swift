/// A customer organisation hosted on the server. Everything else (users, meetings, registrations, live conferences,
/// tokens) belongs to exactly one tenant.
public struct Tenant: Sendable, Codable, Equatable, Identifiable {
    /// Stable identifier, used in URLs and conference IDs (`contoso`).
    public var id: String
    /// SIP domains whose Request-URIs reach this tenant; the first is the digest realm.
    public var domains: [String]
    /// Defaults for its meetings.
    public var policy: MeetingPolicy
    /// Limits.
    public var quotas: TenantQuotas
    /// What its dial-out may call.
    public var dialOut: DialOutPolicy

    public init(
        id: String, domains: [String], policy: MeetingPolicy = MeetingPolicy(), quotas: TenantQuotas = TenantQuotas(),
        dialOut: DialOutPolicy = DialOutPolicy()
    ) {
        self.id = id
        self.domains = domains
        self.policy = policy
        self.quotas = quotas
        self.dialOut = dialOut
    }

    /// The digest realm (RFC 3261 §22.1): the first domain, or the tenant ID when it has none.
    public var realm: String { domains.first ?? id }

    /// Whether `host` is one of its SIP domains (case-insensitive).
    public func ownsDomain(_ host: String) -> Bool { domains.contains { $0.lowercased() == host.lowercased() } }
}

/// A user of a tenant: who may authenticate in its realm, organize meetings and register.
/// Credentials are kept only as HA1 = H(name:realm:password) per algorithm, never as the password.
public struct TenantUser: Sendable, Codable, Equatable {
    public var tenant: String
    /// The user part of their address and their digest user name (`alice`).
    public var name: String
    public var displayName: String
    /// MD5(name:realm:password), lower-case hex.
    public var ha1MD5: String
    /// SHA-256(name:realm:password), lower-case hex.
    public var ha1SHA256: String

    public init(tenant: String, name: String, displayName: String, ha1MD5: String, ha1SHA256: String) {
        self.tenant = tenant
        self.name = name
        self.displayName = displayName
        self.ha1MD5 = ha1MD5
        self.ha1SHA256 = ha1SHA256
    }
}

/// Where a stored record came from: the configuration file (re-applied on every start) or the admin API (left alone
/// by restarts).
public enum RecordSource: String, Sendable, Codable, Equatable {
    case configuration
    case api
}

/// A meeting that exists before anyone calls: its ID (the user part of its URI), organizer, presenters, optional PIN
/// and policy overrides.
public struct ScheduledMeeting: Sendable, Codable, Equatable {
    public var tenant: String
    /// The user part of the conference URI (`weekly` in `sip:weekly@contoso.example`).
    public var id: String
    /// The user name of the owner; they may always join and control.
    public var organizer: String?
    /// User names who may present (control) from the start.
    public var presenters: [String]
    /// Digits a caller must enter (DTMF) before joining; nil: none.
    public var passcode: String?
    /// Shown in the conference event package's conference-description.
    public var subject: String
    public var policy: MeetingPolicyOverrides
    public var source: RecordSource

    public init(
        tenant: String, id: String, organizer: String? = nil, presenters: [String] = [], passcode: String? = nil,
        subject: String = "", policy: MeetingPolicyOverrides = MeetingPolicyOverrides(), source: RecordSource = .api
    ) {
        self.tenant = tenant
        self.id = id
        self.organizer = organizer
        self.presenters = presenters
        self.passcode = passcode
        self.subject = subject
        self.policy = policy
        self.source = source
    }
}

/// A contact bound to a tenant user's address by REGISTER (RFC 3261 §10), until it expires.
public struct Registration: Sendable, Codable, Equatable {
    public var tenant: String
    public var user: String
    /// The Contact URI, where calls to the user go.
    public var contact: String
    public var callID: String
    public var cseq: UInt32
    /// Seconds since 1970 when the binding lapses.
    public var expires: Double

    public init(tenant: String, user: String, contact: String, callID: String, cseq: UInt32, expires: Double) {
        self.tenant = tenant
        self.user = user
        self.contact = contact
        self.callID = callID
        self.cseq = cseq
        self.expires = expires
    }
}
