/// The conference's overall state (RFC 4575 §5, `<conference-state>`, conference-state-type).
///
/// Every field is optional in the schema: a partial document carries only the fields that changed (typically a new
/// `userCount`), and a subscriber keeps the others. A full document from ``ConferenceInfoDocument/full(entity:version:description:hostInfo:userCount:active:locked:users:)``
/// carries all three.
public struct ConferenceState: Sendable, Equatable {
    /// How many users are in the conference (`<user-count>`).
    public var userCount: UInt32?
    /// Whether the conference is under way: at least one participant is connected (`<active>`).
    public var active: Bool?
    /// Whether the conference is closed to newcomers (`<locked>`).
    public var locked: Bool?

    /// A conference state; every field defaults to absent.
    public init(userCount: UInt32? = nil, active: Bool? = nil, locked: Bool? = nil) {
        self.userCount = userCount
        self.active = active
        self.locked = locked
    }

    /// Whether no field is present.
    public var isEmpty: Bool { userCount == nil && active == nil && locked == nil }
}
