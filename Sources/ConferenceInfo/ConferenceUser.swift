/// The conference's users (RFC 4575 §5, `<users>`, users-type).
///
/// The schema's default state is `full`: a `<users>` element without a `state` attribute replaces the subscriber's
/// whole roster, so a partial document that changes some users says `state="partial"` here as well as on its root.
public struct ConferenceUsers: Sendable, Equatable {
    /// How a subscriber applies the list.
    public var state: ElementState
    /// The users, in document order; each is keyed by its `entity`.
    public var users: [ConferenceUser]

    /// A user list, full unless said otherwise.
    public init(state: ElementState = .full, _ users: [ConferenceUser] = []) {
        self.state = state
        self.users = users
    }

    /// The user with `entity`, if listed.
    public subscript(entity entity: String) -> ConferenceUser? {
        users.first { $0.entity == entity }
    }
}

/// One user of the conference: a person or a device, with the endpoints it takes part through (RFC 4575 §5,
/// `<user>`, user-type).
public struct ConferenceUser: Sendable, Equatable {
    /// The user's URI (the `entity` attribute), e.g. their address of record; the key a subscriber matches on.
    public var entity: String
    /// How a subscriber applies this element: `full` for a user who joined or changed, `deleted` for one who left.
    public var state: ElementState
    /// The user's name (`<display-text>`).
    public var displayText: String?
    /// The user's roles in the conference, e.g. `organizer`, `presenter`, `attendee` (`<roles>` entries). Empty
    /// means absent: the schema requires at least one entry, and in a partial user the subscriber keeps its roles.
    public var roles: [String]
    /// The languages the user speaks, as language tags, e.g. `en`, `de-CH` (`<languages>`). Empty means absent.
    public var languages: [String]
    /// The devices the user takes part through (`<endpoint>`), in document order, each keyed by its `entity`.
    public var endpoints: [ConferenceEndpoint]

    /// A user; full unless said otherwise.
    public init(
        entity: String, state: ElementState = .full, displayText: String? = nil, roles: [String] = [],
        languages: [String] = [], endpoints: [ConferenceEndpoint] = []
    ) {
        self.entity = entity
        self.state = state
        self.displayText = displayText
        self.roles = roles
        self.languages = languages
        self.endpoints = endpoints
    }

    /// A `<user state="deleted"/>` for a user who left.
    public static func deleted(_ entity: String) -> ConferenceUser {
        ConferenceUser(entity: entity, state: .deleted)
    }

    /// The endpoint with `entity`, if listed.
    public subscript(endpoint entity: String) -> ConferenceEndpoint? {
        endpoints.first { $0.entity == entity }
    }
}
