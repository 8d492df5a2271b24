/// A conference information document: the body of a NOTIFY for the SIP conference event package, media type
/// `application/conference-info+xml` (RFC 4575).
///
/// The focus sends each subscriber a full document first, then partial documents that carry only what changed
/// (RFC 4575 §4.6): a `<conference-state>` with the new user count, a `<user state="full">` for a user who joined
/// or changed, a `<user state="deleted"/>` for one who left. Every document a subscriber receives has a version one
/// higher than the previous one; ``applying(_:)`` and ``ConferenceInfoSubscriber`` rebuild the roster from them.
///
/// Elements of the schema this model leaves out (sidebars, available media, call-info, associated AORs, cascaded
/// focus, extensions in other namespaces) are skipped when a document is read.
public struct ConferenceInfoDocument: Sendable, Equatable {
    /// The media type of the NOTIFY body.
    public static let mediaType = "application/conference-info+xml"
    /// The XML namespace of every element (RFC 4575 §5).
    public static let namespace = "urn:ietf:params:xml:ns:conference-info"
    /// The SIP event package name, for Event and Allow-Events headers (RFC 4575 §3.1).
    public static let eventPackage = "conference"

    /// The conference URI (the `entity` attribute, mandatory).
    public var entity: String
    /// Whether this is the whole conference state (`full`), only the changes since the previous document (`partial`),
    /// or the announcement that the conference is gone (`deleted`).
    public var state: ElementState
    /// The document's sequence number within one subscription (the `version` attribute): the first document has some
    /// version and each next one is exactly one higher.
    public var version: UInt32
    /// The conference's description (`<conference-description>`).
    public var description: ConferenceDescription?
    /// Who hosts the conference (`<host-info>`).
    public var hostInfo: HostInfo?
    /// The conference's overall state (`<conference-state>`).
    public var conferenceState: ConferenceState?
    /// The users (`<users>`); nil when the element is absent (a partial document that changes no user).
    public var users: ConferenceUsers?

    /// A document with every part given; see ``full(entity:version:description:hostInfo:userCount:active:locked:users:)``
    /// and ``partial(entity:version:description:conferenceState:users:)`` for the two usual shapes.
    public init(
        entity: String, state: ElementState, version: UInt32, description: ConferenceDescription? = nil,
        hostInfo: HostInfo? = nil, conferenceState: ConferenceState? = nil, users: ConferenceUsers? = nil
    ) {
        self.entity = entity
        self.state = state
        self.version = version
        self.description = description
        self.hostInfo = hostInfo
        self.conferenceState = conferenceState
        self.users = users
    }

    /// A full document: the description (empty when nil), the conference state with all three fields, and every
    /// user, each marked full with its endpoints marked full. `userCount` defaults to the number of users.
    public static func full(
        entity: String, version: UInt32, description: ConferenceDescription? = nil, hostInfo: HostInfo? = nil,
        userCount: UInt32? = nil, active: Bool, locked: Bool, users: [ConferenceUser]
    ) -> ConferenceInfoDocument {
        let count = userCount ?? UInt32(clamping: users.count)
        return ConferenceInfoDocument(
            entity: entity, state: .full, version: version, description: description ?? ConferenceDescription(),
            hostInfo: hostInfo, conferenceState: ConferenceState(userCount: count, active: active, locked: locked),
            users: ConferenceUsers(state: .full, users.map(\.asFull)))
    }

    /// A partial document with only the parts given. `users` (when given) are merged into the subscriber's roster:
    /// each carries its own state (`full` for joined or changed, `deleted` for gone).
    public static func partial(
        entity: String, version: UInt32, description: ConferenceDescription? = nil,
        conferenceState: ConferenceState? = nil, users: [ConferenceUser]? = nil
    ) -> ConferenceInfoDocument {
        ConferenceInfoDocument(
            entity: entity, state: .partial, version: version, description: description,
            conferenceState: conferenceState, users: users.map { ConferenceUsers(state: .partial, $0) })
    }

    /// The users listed, or none when the document has no `<users>`.
    public var userList: [ConferenceUser] { users?.users ?? [] }
}

extension ConferenceUser {
    /// This user and its endpoints marked full, as they stand in a full document or a subscriber's copy (an
    /// endpoint marked deleted is left out).
    var asFull: ConferenceUser {
        var user = self
        user.state = .full
        user.endpoints = endpoints.filter { $0.state != .deleted }.map(\.asFull)
        return user
    }
}
