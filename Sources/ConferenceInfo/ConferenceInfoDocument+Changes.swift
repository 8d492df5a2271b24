// RFC 4575 §4.6 from the notifier's side: the focus keeps the full state it last sent a subscriber and, when the
// roster changes, sends only the difference. Here the difference is: the conference-state fields that changed, the
// description or host information whole if either changed, <user state="deleted"/> for each user who left, and
// <user state="full"> for each user who joined or changed. What a partial document cannot say (a field that
// disappeared, users reordered) goes out as a full document instead.

extension ConferenceInfoDocument {
    /// The next notification for a subscriber that holds `self` (a full document): it takes the subscriber to
    /// `newer`'s content at version `version + 1`.
    ///
    /// - Returns: nil when nothing changed; a partial document when the change can be said partially; otherwise
    ///   `newer` as a full document. Either way, a subscriber that applies it holds exactly `newer`'s content (the
    ///   partial document is checked against ``applying(_:)`` before it is returned).
    public func changes(to newer: ConferenceInfoDocument) -> ConferenceInfoDocument? {
        var target = newer
        target.state = .full
        target.version = version &+ 1
        var held = self
        held.version = target.version
        if held == target { return nil }
        guard state == .full, newer.state == .full, newer.entity == entity else { return target }

        var partial = ConferenceInfoDocument(entity: entity, state: .partial, version: target.version)
        if target.description != description { partial.description = target.description }
        if target.hostInfo != hostInfo { partial.hostInfo = target.hostInfo }
        if target.conferenceState != conferenceState, let new = target.conferenceState {
            let old = conferenceState ?? ConferenceState()
            let changed = ConferenceState(
                userCount: new.userCount == old.userCount ? nil : new.userCount,
                active: new.active == old.active ? nil : new.active,
                locked: new.locked == old.locked ? nil : new.locked)
            if !changed.isEmpty { partial.conferenceState = changed }
        }
        let oldUsers = userList
        let newUsers = target.userList
        var userChanges: [ConferenceUser] = []
        for user in oldUsers where !newUsers.contains(where: { $0.entity == user.entity }) {
            userChanges.append(.deleted(user.entity))
        }
        for user in newUsers where oldUsers.first(where: { $0.entity == user.entity }) != user {
            userChanges.append(user.asFull)
        }
        if !userChanges.isEmpty { partial.users = ConferenceUsers(state: .partial, userChanges) }

        guard let applied = try? applying(partial), applied == target else { return target }
        return partial
    }
}
