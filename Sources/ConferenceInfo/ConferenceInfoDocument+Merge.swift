// RFC 4575 §4.6, constructing coherent state: a subscriber applies a partial document to the full state it holds.
// - The partial document's version must be exactly one above the held one (otherwise a notification was lost or
//   came out of order, and the subscriber needs a full document: a refreshed SUBSCRIBE brings one).
// - An element with state "full" replaces the held element; "deleted" removes it; "partial" merges into it.
// - Keys: users and endpoints by their entity, media by id, URI list entries by uri. A keyed element the subscriber
//   does not hold yet is added (after the ones it holds).
// - Elements without a state attribute (conference-description, host-info, conference-state, and the single-valued
//   elements of a user or endpoint) replace the held value when present and leave it when absent.

extension ConferenceInfoDocument {
    /// This full state with the partial document `update` applied: the state a subscriber holds afterwards, itself
    /// full, at `update`'s version.
    /// - Throws: ``ConferenceInfoError`` `notApplicable` when `self` is not full, `update` is not partial, or they are
    ///   about different conferences; `versionMismatch` when `update.version` is not `version + 1`.
    public func applying(_ update: ConferenceInfoDocument) throws -> ConferenceInfoDocument {
        guard state == .full else { throw ConferenceInfoError(.notApplicable, "a partial document applies to full state only") }
        guard update.state == .partial else {
            throw ConferenceInfoError(.notApplicable, "only a partial document is applied (this one is \(update.state.rawValue))")
        }
        guard update.entity == entity else {
            throw ConferenceInfoError(.notApplicable, "the update is about \(update.entity), not \(entity)")
        }
        guard version < UInt32.max, update.version == version + 1 else {
            throw ConferenceInfoError(.versionMismatch, "version \(update.version) does not follow \(version)")
        }
        var merged = self
        merged.version = update.version
        if let d = update.description { merged.description = (description ?? ConferenceDescription()).merging(d) }
        if let h = update.hostInfo { merged.hostInfo = (hostInfo ?? HostInfo()).merging(h) }
        if let s = update.conferenceState { merged.conferenceState = (conferenceState ?? ConferenceState()).merging(s) }
        if let u = update.users { merged.users = (users ?? ConferenceUsers()).merging(u) }
        return merged
    }
}

extension ConferenceDescription {
    func merging(_ update: ConferenceDescription) -> ConferenceDescription {
        var d = self
        if let v = update.displayText { d.displayText = v }
        if let v = update.subject { d.subject = v }
        if let v = update.maximumUserCount { d.maximumUserCount = v }
        if let v = update.confURIs { d.confURIs = URIList.merge(confURIs, v) }
        if let v = update.serviceURIs { d.serviceURIs = URIList.merge(serviceURIs, v) }
        return d
    }
}

extension HostInfo {
    func merging(_ update: HostInfo) -> HostInfo {
        var h = self
        if let v = update.displayText { h.displayText = v }
        if let v = update.webPage { h.webPage = v }
        if let v = update.uris { h.uris = URIList.merge(uris, v) }
        return h
    }
}

extension ConferenceState {
    func merging(_ update: ConferenceState) -> ConferenceState {
        ConferenceState(userCount: update.userCount ?? userCount, active: update.active ?? active, locked: update.locked ?? locked)
    }
}

extension URIList {
    /// The held list after `update`: nil when deleted.
    static func merge(_ held: URIList?, _ update: URIList) -> URIList? {
        switch update.state {
        case .deleted: return nil
        case .full: return URIList(update.entries)
        case .partial:
            var entries = held?.entries ?? []
            for entry in update.entries {
                if let i = entries.firstIndex(where: { $0.uri == entry.uri }) { entries[i] = entry } else { entries.append(entry) }
            }
            return URIList(entries)
        }
    }
}

extension ConferenceUsers {
    func merging(_ update: ConferenceUsers) -> ConferenceUsers {
        switch update.state {
        case .deleted: return ConferenceUsers()
        case .full: return ConferenceUsers(update.users.filter { $0.state != .deleted }.map(\.asFull))
        case .partial:
            var list = users
            for user in update.users {
                let i = list.firstIndex { $0.entity == user.entity }
                switch (user.state, i) {
                case (.deleted, let i?): list.remove(at: i)
                case (.deleted, nil): break
                case (.full, let i?): list[i] = user.asFull
                case (.partial, let i?): list[i] = list[i].merging(user)
                case (.full, nil), (.partial, nil): list.append(user.asFull)
                }
            }
            return ConferenceUsers(list)
        }
    }
}

extension ConferenceUser {
    func merging(_ update: ConferenceUser) -> ConferenceUser {
        var u = self
        if let v = update.displayText { u.displayText = v }
        if !update.roles.isEmpty { u.roles = update.roles }
        if !update.languages.isEmpty { u.languages = update.languages }
        for endpoint in update.endpoints {
            let i = u.endpoints.firstIndex { $0.entity == endpoint.entity }
            switch (endpoint.state, i) {
            case (.deleted, let i?): u.endpoints.remove(at: i)
            case (.deleted, nil): break
            case (.full, let i?): u.endpoints[i] = endpoint.asFull
            case (.partial, let i?): u.endpoints[i] = u.endpoints[i].merging(endpoint)
            case (.full, nil), (.partial, nil): u.endpoints.append(endpoint.asFull)
            }
        }
        return u
    }
}

extension ConferenceEndpoint {
    var asFull: ConferenceEndpoint {
        var e = self
        e.state = .full
        return e
    }

    func merging(_ update: ConferenceEndpoint) -> ConferenceEndpoint {
        var e = self
        if let v = update.displayText { e.displayText = v }
        if let v = update.status { e.status = v }
        if let v = update.joiningMethod { e.joiningMethod = v }
        if let v = update.joiningInfo { e.joiningInfo = v }
        if let v = update.disconnectionMethod { e.disconnectionMethod = v }
        if let v = update.disconnectionInfo { e.disconnectionInfo = v }
        for m in update.media {
            if let i = e.media.firstIndex(where: { $0.id == m.id }) { e.media[i] = e.media[i].merging(m) } else { e.media.append(m) }
        }
        return e
    }
}

extension EndpointMedia {
    func merging(_ update: EndpointMedia) -> EndpointMedia {
        EndpointMedia(
            id: id, displayText: update.displayText ?? displayText, type: update.type ?? type, label: update.label ?? label,
            srcID: update.srcID ?? srcID, status: update.status ?? status)
    }
}
