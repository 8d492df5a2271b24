public import MCUControl
import SIP
import Synchronization

/// One conference as the focus owns it: the meeting and its effective policy, the roster, the lock, and the
/// conference event subscriptions. An actor, so a join's checks and its seat reservation happen as one step while
/// other calls to the same meeting wait; different conferences never wait for each other.
public actor FocusConference {
    /// Set once it closed for being empty: the focus's table then gives a new caller a new conference instead.
    nonisolated let closedFlag = Mutex(false)
    public nonisolated var isClosed: Bool { closedFlag.withLock { $0 } }
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
    /// Told of every change, so the focus writes the conference to its store (``LiveConference``).
    let changed: @Sendable (FocusConference) -> Void

    init(
        id: ConferenceID, uri: String, tenant: Tenant, meeting: ScheduledMeeting?, events: any ConferenceEventPublisher, now: Double,
        changed: @escaping @Sendable (FocusConference) -> Void = { _ in }
    ) {
        self.id = id
        self.uri = uri
        self.tenant = tenant
        self.meeting = meeting
        self.policy = tenant.policy.applying(meeting?.policy ?? MeetingPolicyOverrides())
        self.createdAt = now
        self.events = events
        self.changed = changed
    }

    /// The conference as its store keeps it.
    func liveRecord() -> LiveConference {
        LiveConference(
            id: id, createdAt: createdAt, locked: locked, adHocOrganizer: adHocOrganizer, roleOverrides: roleOverrides, roster: entries)
    }

    /// Takes the state a stored record gives (a focus restarted mid-meeting), with only the roster entries of
    /// `endpoints` (the calls it could take over); nobody is told (the roster did not change for anyone).
    func restore(_ record: LiveConference, endpoints: Set<EndpointID>) {
        locked = record.locked
        adHocOrganizer = record.adHocOrganizer
        roleOverrides = record.roleOverrides
        entries = record.roster.filter { endpoints.contains($0.endpoint) }
        generation &+= 1
    }

    /// The roster now.
    public var roster: [RosterEntry] { entries }

    /// Participants who hold a seat (everyone but the disconnected and those waiting to be let in).
    public var seatCount: Int { entries.count(where: \.occupiesSeat) }

    /// Callers waiting in the lobby or at the PIN prompt.
    public var waitingCount: Int { entries.count { $0.waiting && $0.isPresent } }

    /// Everyone the focus holds here, seated or waiting.
    public var presentCount: Int { entries.count(where: \.isPresent) }

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
    /// dialing-out). Returns their role, whether they wait in the lobby and whether they must type the PIN. A caller
    /// who waits (lobby or PIN) takes no seat, only a place in the lobby (at most `lobbySize`); the seat is checked
    /// when they are let in (``takeSeat(_:)``).
    func reserve(
        _ endpoint: EndpointID, identity: CallerIdentity, method: JoiningMethod, now: Double, lobbySize: Int = .max
    ) throws(JoinRefusal) -> (role: ParticipantRole, lobby: Bool, needsPIN: Bool) {
        guard !ended else { throw JoinRefusal.notFound }
        if meeting == nil, adHocOrganizer == nil, let user = identity.user { adHocOrganizer = user }
        let role = role(of: identity.user)
        if locked && !role.controls && method == .dialedIn { throw JoinRefusal.locked }
        var lobby: Bool
        switch policy.lobby {
        case .off: lobby = false
        case .anonymous: lobby = identity.user == nil
        case .attendees: lobby = !role.controls
        }
        lobby = lobby && method == .dialedIn
        // A PIN is asked of everyone but the meeting's organizer and presenters (authenticated).
        let needsPIN = method == .dialedIn && meeting?.passcode != nil && !role.controls
        let waits = lobby || needsPIN
        if waits {
            if waitingCount >= lobbySize { throw JoinRefusal.lobbyFull }
        } else if seatCount >= policy.maxParticipants {
            throw JoinRefusal.full
        }
        var entry = RosterEntry(
            endpoint: endpoint, uri: identity.uri, displayName: identity.displayName, user: identity.user, role: role,
            status: method == .dialedIn ? .dialingIn : .dialingOut, joiningMethod: method, joinedAt: now,
            muted: policy.muteOnEntry && !role.controls)
        entry.waiting = waits
        entries.append(entry)
        touch([endpoint])
        return (role, lobby, needsPIN)
    }

    /// Moves a waiting caller into a seat: refused (486) when the meeting is full, except for an organizer or
    /// presenter, who is never kept out.
    func takeSeat(_ endpoint: EndpointID) throws(JoinRefusal) {
        guard let i = entries.firstIndex(where: { $0.endpoint == endpoint }) else { throw JoinRefusal.notFound }
        guard entries[i].waiting else { return }
        if !entries[i].role.controls && seatCount >= policy.maxParticipants { throw JoinRefusal.full }
        entries[i].waiting = false
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
        changed(self)
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

    /// Closes it when nobody is in it (and, with `generation`, nothing changed since): from then on it takes nobody,
    /// so a caller arriving meanwhile is seated in a new conference, never in one being taken down. Atomic with
    /// ``reserve``; false when someone is (or was meanwhile) in it.
    func closeIfEmpty(generation expected: UInt64?) -> Bool {
        guard presentCount == 0, expected == nil || expected == generation else { return false }
        ended = true
        closedFlag.withLock { $0 = true }
        return true
    }

    /// Whether the focus has removed it (its last participant gone, its subscribers told).
    private(set) var removed = false
    private var removalWaiters: [CheckedContinuation<Void, Never>] = []

    /// Called once by the focus when it takes the conference away.
    func markRemoved() {
        removed = true
        for waiter in removalWaiters { waiter.resume() }
        removalWaiters.removeAll()
    }

    /// Returns when the focus has removed the conference.
    func waitUntilRemoved() async {
        if removed { return }
        await withCheckedContinuation { removalWaiters.append($0) }
    }

    // MARK: - Events

    private func touch(_ endpoints: [EndpointID]) {
        generation &+= 1
        events.publish(snapshot())
        changed(self)
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
