public import Focus

/// A scheduled meeting as the API shows it.
public struct MeetingView: Codable, Sendable, Equatable {
    /// The tenant it belongs to.
    public var tenant: String
    /// The meeting ID: the user part of its URI, and its conference's ID.
    public var id: String
    /// Shown to participants (conference-description).
    public var subject: String
    /// The user who owns it.
    public var organizer: String?
    /// Users who may control it from the start.
    public var presenters: [String]
    /// Digits a caller enters (DTMF) before joining.
    public var passcode: String?
    /// Departures from the tenant's policy (only the ones set).
    public var policy: MeetingPolicyOverrides
    /// `configuration` (change it in the file) or `api` (change it here).
    public var source: RecordSource
    /// A conference of it is running now.
    public var live: Bool

    /// The view of a stored meeting.
    public init(_ meeting: ScheduledMeeting, live: Bool) {
        tenant = meeting.tenant
        id = meeting.id
        subject = meeting.subject
        organizer = meeting.organizer
        presenters = meeting.presenters
        passcode = meeting.passcode
        policy = meeting.policy
        source = meeting.source
        self.live = live
    }
}

/// The body of `POST …/meetings` and `PUT …/meetings/{id}`. Absent fields take their defaults (no organizer, no
/// presenters, no passcode, the tenant's policy, the ID as subject); a PUT replaces the whole meeting.
public struct MeetingBody: Codable, Sendable, Equatable {
    /// Required for POST; for PUT, when given, it must be the URL's.
    public var id: String?
    /// Default: the ID.
    public var subject: String?
    /// A user of the tenant.
    public var organizer: String?
    /// Users of the tenant.
    public var presenters: [String]?
    /// Digits only.
    public var passcode: String?
    /// Departures from the tenant's policy.
    public var policy: MeetingPolicyOverrides?

    /// The fields a body may have, nested ones as `policy.<key>`.
    public static let fields: Set<String> = [
        "id", "subject", "organizer", "presenters", "passcode", "policy", "policy.maxParticipants", "policy.anonymousJoin",
        "policy.lobby", "policy.videoAllowed", "policy.plainRTPAllowed", "policy.muteOnEntry",
    ]

    /// A body from its fields.
    public init(
        id: String? = nil, subject: String? = nil, organizer: String? = nil, presenters: [String]? = nil, passcode: String? = nil,
        policy: MeetingPolicyOverrides? = nil
    ) {
        self.id = id
        self.subject = subject
        self.organizer = organizer
        self.presenters = presenters
        self.passcode = passcode
        self.policy = policy
    }

    /// The meeting this body describes in `tenant` under `id`; what the focus does not check itself is checked here.
    public func meeting(tenant: String, id: String) throws(AdminError) -> ScheduledMeeting {
        if let max = policy?.maxParticipants, max < 1 { throw AdminError.invalid("policy.maxParticipants must be at least 1") }
        return ScheduledMeeting(
            tenant: tenant, id: id, organizer: organizer, presenters: presenters ?? [], passcode: passcode,
            subject: subject ?? id, policy: policy ?? MeetingPolicyOverrides(), source: .api)
    }
}
