/// How a tenant's meetings admit and treat participants. A tenant sets the defaults; a scheduled meeting may override
/// any of them (``MeetingPolicyOverrides``).
public struct MeetingPolicy: Sendable, Codable, Equatable {
    /// Who waits in the lobby until an organizer or presenter admits them.
    public enum Lobby: String, Sendable, Codable, Equatable, CaseIterable {
        /// Nobody: everyone allowed in joins the mix at once.
        case off
        /// Callers who did not authenticate as a user of the meeting's tenant.
        case anonymous
        /// Everyone but the organizer and the presenters.
        case attendees
    }

    /// Participants at once in one meeting; the next caller gets 486 Busy Here.
    public var maxParticipants: Int = 100
    /// Callers who do not authenticate may join (as attendees). Off: every caller must answer a digest challenge in
    /// the tenant's realm.
    public var anonymousJoin: Bool = true
    /// Who waits in the lobby.
    public var lobby: Lobby = .off
    /// Video streams are accepted (forwarded by the MCU); off answers video with port 0.
    public var videoAllowed: Bool = true
    /// A call to a meeting ID that is not scheduled creates an ad hoc meeting; off answers it 404.
    public var adHocMeetings: Bool = true
    /// Plain RTP is accepted; off requires SRTP (SDES) and answers a plain offer 488.
    public var plainRTPAllowed: Bool = true
    /// Attendees join muted (an organizer or presenter unmutes them); organizers and presenters never do.
    public var muteOnEntry: Bool = false
    /// Calls and subscriptions must arrive over TLS (SIP over TLS, `sips:`); others get `403`. SDES keys sent in the
    /// clear over UDP protect nothing, so a tenant that needs private media needs this too.
    public var tlsRequired: Bool = false

    public init() {}

    enum CodingKeys: String, CodingKey {
        case maxParticipants, anonymousJoin, lobby, videoAllowed, adHocMeetings, plainRTPAllowed, muteOnEntry, tlsRequired
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MeetingPolicy()
        maxParticipants = try c.decodeIfPresent(Int.self, forKey: .maxParticipants) ?? d.maxParticipants
        anonymousJoin = try c.decodeIfPresent(Bool.self, forKey: .anonymousJoin) ?? d.anonymousJoin
        if let text = try c.decodeIfPresent(String.self, forKey: .lobby) {
            guard let value = Lobby(rawValue: text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .lobby, in: c, debugDescription: "lobby must be off, anonymous or attendees (not \(text))")
            }
            lobby = value
        }
        videoAllowed = try c.decodeIfPresent(Bool.self, forKey: .videoAllowed) ?? d.videoAllowed
        adHocMeetings = try c.decodeIfPresent(Bool.self, forKey: .adHocMeetings) ?? d.adHocMeetings
        plainRTPAllowed = try c.decodeIfPresent(Bool.self, forKey: .plainRTPAllowed) ?? d.plainRTPAllowed
        muteOnEntry = try c.decodeIfPresent(Bool.self, forKey: .muteOnEntry) ?? d.muteOnEntry
        tlsRequired = try c.decodeIfPresent(Bool.self, forKey: .tlsRequired) ?? d.tlsRequired
    }

    /// This policy with a meeting's overrides applied.
    public func applying(_ overrides: MeetingPolicyOverrides) -> MeetingPolicy {
        var p = self
        if let v = overrides.maxParticipants { p.maxParticipants = v }
        if let v = overrides.anonymousJoin { p.anonymousJoin = v }
        if let v = overrides.lobby { p.lobby = v }
        if let v = overrides.videoAllowed { p.videoAllowed = v }
        if let v = overrides.plainRTPAllowed { p.plainRTPAllowed = v }
        if let v = overrides.muteOnEntry { p.muteOnEntry = v }
        return p
    }

    /// What is wrong with the values, or nil.
    public func validationProblem() -> String? {
        maxParticipants >= 1 ? nil : "maxParticipants must be at least 1"
    }
}

/// A scheduled meeting's departures from its tenant's ``MeetingPolicy``; nil keeps the tenant's value.
public struct MeetingPolicyOverrides: Sendable, Codable, Equatable {
    public var maxParticipants: Int?
    public var anonymousJoin: Bool?
    public var lobby: MeetingPolicy.Lobby?
    public var videoAllowed: Bool?
    public var plainRTPAllowed: Bool?
    public var muteOnEntry: Bool?

    public init(
        maxParticipants: Int? = nil, anonymousJoin: Bool? = nil, lobby: MeetingPolicy.Lobby? = nil, videoAllowed: Bool? = nil,
        plainRTPAllowed: Bool? = nil, muteOnEntry: Bool? = nil
    ) {
        self.maxParticipants = maxParticipants
        self.anonymousJoin = anonymousJoin
        self.lobby = lobby
        self.videoAllowed = videoAllowed
        self.plainRTPAllowed = plainRTPAllowed
        self.muteOnEntry = muteOnEntry
    }

    /// True when nothing is overridden.
    public var isEmpty: Bool { self == MeetingPolicyOverrides() }
}

/// Limits on what one tenant may use at once, so one customer cannot take a shared server from the others.
public struct TenantQuotas: Sendable, Codable, Equatable {
    /// Live conferences at once; a call that would start one more is answered 503 with Retry-After.
    public var concurrentMeetings: Int = 50
    /// Participants at once over all the tenant's conferences; the next caller is answered 503 with Retry-After.
    public var concurrentParticipants: Int = 500

    public init() {}

    enum CodingKeys: String, CodingKey { case concurrentMeetings, concurrentParticipants }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TenantQuotas()
        concurrentMeetings = try c.decodeIfPresent(Int.self, forKey: .concurrentMeetings) ?? d.concurrentMeetings
        concurrentParticipants = try c.decodeIfPresent(Int.self, forKey: .concurrentParticipants) ?? d.concurrentParticipants
    }
}
