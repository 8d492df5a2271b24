public import MCUControl
import SIP

/// One conference as the focus owns it: the meeting and its effective policy, the roster, the lock, and the
/// conference event subscriptions. An actor, so a join's checks and its seat reservation happen as one step while
/// other calls to the same meeting wait; different conferences never wait for each other.
public actor FocusConference {
    public nonisolated let id: ConferenceID
    public nonisolated let tenant: Tenant
    /// The scheduled meeting; nil for an ad hoc one.
    public nonisolated let meeting: ScheduledMeeting?
    public nonisolated let policy: MeetingPolicy
    /// Seconds since 1970 when the focus created it.
    public nonisolated let createdAt: Double
    /// The conference URI (RFC 4575 entity): `sip:<meeting>@<tenant domain>`, or on our address for a tenant without one.
    public nonisolated let uri: String

    /// Participants in join order (disconnected ones are removed).
    private(set) var entries: [RosterEntry] = []
    /// The participants' dialogs (dial-in: their INVITE's; dial-out: ours).
    var dialogs: [EndpointID: SIPDialogHandle] = [:]
    public private(set) var locked = false
    /// The conference exists on the MCU.
    var onMCU = false
    /// The first authenticated participant of an ad hoc meeting organizes it.
    private(set) var adHocOrganizer: String?
    /// Users promoted to (or demoted from) presenter at run time.
    private var roleOverrides: [String: ParticipantRole] = [:]
    /// Bumped on every change; empty-conference removal checks it did not move during the grace period.
    private(set) var generation: UInt64 = 0
    /// Set once the conference has ended (its subscribers got their final NOTIFY).
    public private(set) var ended = false
    let events: any ConferenceEventPublisher

    init(id: ConferenceID, uri: String, tenant: Tenant, meeting: ScheduledMeeting?, events: any ConferenceEventPublisher, now: Double) {
        self.id = id
        self.uri = uri
        self.tenant = tenant
        self.meeting = meeting
        self.policy = tenant.policy.applying(meeting?.policy ?? MeetingPolicyOverrides())
        self.createdAt = now
        self.events = events
    }

    /// The roster now.
    public var roster: [RosterEntry] { entries }

    /// Participants who hold a seat (everyone but the disconnected).
    public var seatCount: Int { entries.count(where: \.occupiesSeat) }

    public var subject: String { meeting?.subject ?? id.meeting }

    // MARK: - Roles

    /// The role a tenant user (or an anonymous caller) has here.
    public func role(of user: String?) -> ParticipantRole {
        guard let user else { return .attendee }
        if let r = roleOverrides[user] { return r }
        if let meeting {
            if meeting.organizer == user { return .organizer }
            if meeting.presenters.contains(user) { return .presenter }
            return .attendee
        }
        return adHocOrganizer == user ? .organizer : .attendee
    }

    /// Whether `user` may control this conference (organizer or presenter).
    public func mayControl(_ user: String?) -> Bool { user != nil && role(of: user).controls }

    // MARK: - Joining

    /// Checks lock and capacity and, when the caller may come in, reserves their seat with status dialing-in (or
    /// dialing-out). Returns whether they wait in the lobby.
    func reserve(
        _ endpoint: EndpointID, identity: CallerIdentity, method: JoiningMethod, now: Double
    ) throws(JoinRefusal) -> (role: ParticipantRole, lobby: Bool) {
        guard !ended else { throw JoinRefusal.notFound }
        if meeting == nil, adHocOrganizer == nil, let user = identity.user { adHocOrganizer = user }
        let role = role(of: identity.user)
        if locked && !role.controls && method == .dialedIn { throw JoinRefusal.locked }
        if seatCount >= policy.maxParticipants { throw JoinRefusal.full }
        let lobby: Bool
        switch policy.lobby {
        case .off: lobby = false
        case .anonymous: lobby = identity.user == nil
        case .attendees: lobby = !role.controls
        }
        let entry = RosterEntry(
            endpoint: endpoint, uri: identity.uri, displayName: identity.displayName, user: identity.user, role: role,
            status: method == .dialedIn ? .dialingIn : .dialingOut, joiningMethod: method, joinedAt: now,
            muted: policy.muteOnEntry && !role.controls)
        entries.append(entry)
        touch([endpoint])
        return (role, lobby && method == .dialedIn)
    }

    /// Updates one participant and publishes the change.
    func update(_ endpoint: EndpointID, _ change: (inout RosterEntry) -> Void) {
        guard let i = entries.firstIndex(where: { $0.endpoint == endpoint }) else { return }
        change(&entries[i])
        entries[i].refreshMixStatus()
        touch([endpoint])
    }

    func entry(_ endpoint: EndpointID) -> RosterEntry? { entries.first { $0.endpoint == endpoint } }

    /// The entry whose user or URI matches `who` (a tenant user name or a SIP URI).
    func find(_ who: String) -> RosterEntry? {
        entries.first { $0.endpoint.value == who || $0.user == who || $0.uri == who || $0.uri == "sip:\(who)" }
    }

    func setDialog(_ dialog: SIPDialogHandle?, for endpoint: EndpointID) { dialogs[endpoint] = dialog }

    func dialog(for endpoint: EndpointID) -> SIPDialogHandle? { dialogs[endpoint] }

    /// Removes a participant; returns the entry when there was one.
    @discardableResult
    func remove(_ endpoint: EndpointID) -> RosterEntry? {
        guard let i = entries.firstIndex(where: { $0.endpoint == endpoint }) else { return nil }
        let entry = entries.remove(at: i)
        dialogs[endpoint] = nil
        generation &+= 1
        events.publish(self.snapshot())
        return entry
    }

    // MARK: - Control

    public func setLocked(_ value: Bool) {
        guard locked != value else { return }
        locked = value
        touch([])
    }

    /// Gives a tenant user a role for the rest of the conference (organizer stays organizer).
    func setRole(_ role: ParticipantRole, forUser user: String) -> [EndpointID] {
        roleOverrides[user] = role
        var changed: [EndpointID] = []
        for i in entries.indices where entries[i].user == user {
            entries[i].role = role
            changed.append(entries[i].endpoint)
        }
        touch(changed)
        return changed
    }

    func markOnMCU() { onMCU = true }

    /// Marks the end: no more joins; returns the dialogs to hang up.
    func end() -> [(EndpointID, SIPDialogHandle)] {
        ended = true
        generation &+= 1
        return dialogs.map { ($0.key, $0.value) }
    }

    // MARK: - Events

    private func touch(_ changed: [EndpointID]) {
        generation &+= 1
        events.publish(snapshot())
    }

    /// What the conference event package reports.
    public func snapshot() -> ConferenceSnapshot {
        ConferenceSnapshot(
            id: id, uri: uri, subject: subject, maxParticipants: policy.maxParticipants, locked: locked,
            active: entries.contains(where: \.isInMix), roster: entries)
    }
}

/// A conference's state at one moment, for the conference event package and the admin API.
public struct ConferenceSnapshot: Sendable, Equatable {
    public var id: ConferenceID
    /// The conference URI (RFC 4575 entity).
    public var uri: String
    public var subject: String
    public var maxParticipants: Int
    public var locked: Bool
    /// Someone is in the mix.
    public var active: Bool
    public var roster: [RosterEntry]
}
