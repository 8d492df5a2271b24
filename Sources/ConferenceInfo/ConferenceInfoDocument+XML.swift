// RFC 4575 §5: elements in the schema's sequence order.
//   conference-info (entity, state, version)
//     conference-description: display-text, subject, conf-uris, service-uris, maximum-user-count
//     host-info: display-text, web-page, uris
//     conference-state: user-count, active, locked
//     users (state)
//       user (entity, state): display-text, roles/entry+, languages, endpoint*
//         endpoint (entity, state): display-text, status, joining-method, joining-info, disconnection-method,
//                                   disconnection-info, media* (id): display-text, type, label, src-id, status
// A full document always carries conference-description, conference-state and users; a partial one only what its
// model holds. Lists the schema requires to be non-empty (uris-type entries, roles entries) are left out when empty.

extension ConferenceInfoDocument {
    /// The document as UTF-8 XML text with an XML declaration, every element in the conference-info namespace.
    public var xml: String {
        var w = XMLWriter()
        w.open("conference-info", [
            ("xmlns", Self.namespace), ("entity", entity), ("state", state.rawValue), ("version", String(version)),
        ])
        let isFull = state == .full
        if let description {
            write(description, to: &w)
        } else if isFull {
            w.empty("conference-description")
        }
        if let hostInfo { write(hostInfo, to: &w) }
        if isFull {
            var conference = conferenceState ?? ConferenceState()
            if conference.userCount == nil { conference.userCount = UInt32(clamping: userList.count) }
            write(conference, to: &w)
        } else if let conferenceState, !conferenceState.isEmpty {
            write(conferenceState, to: &w)
        }
        if let users {
            write(users, to: &w)
        } else if isFull {
            w.empty("users")
        }
        w.close("conference-info")
        return w.text
    }

    /// The document as UTF-8 bytes, for a NOTIFY body.
    public var xmlBytes: [UInt8] { Array(xml.utf8) }

    private func write(_ d: ConferenceDescription, to w: inout XMLWriter) {
        let hasURIs = !(d.confURIs?.entries.isEmpty ?? true) || !(d.serviceURIs?.entries.isEmpty ?? true)
        guard d.displayText != nil || d.subject != nil || d.maximumUserCount != nil || hasURIs else {
            w.empty("conference-description")
            return
        }
        w.open("conference-description")
        w.leaf("display-text", d.displayText)
        w.leaf("subject", d.subject)
        write(d.confURIs, named: "conf-uris", to: &w)
        write(d.serviceURIs, named: "service-uris", to: &w)
        w.leaf("maximum-user-count", d.maximumUserCount.map { String($0) })
        w.close("conference-description")
    }

    private func write(_ host: HostInfo, to w: inout XMLWriter) {
        w.open("host-info")
        w.leaf("display-text", host.displayText)
        w.leaf("web-page", host.webPage)
        write(host.uris, named: "uris", to: &w)
        w.close("host-info")
    }

    private func write(_ list: URIList?, named name: String, to w: inout XMLWriter) {
        guard let list, !list.entries.isEmpty else { return }
        w.open(name, [("state", list.state == .full ? nil : list.state.rawValue)])
        for entry in list.entries {
            w.open("entry")
            w.leaf("uri", entry.uri)
            w.leaf("display-text", entry.displayText)
            w.leaf("purpose", entry.purpose)
            w.close("entry")
        }
        w.close(name)
    }

    private func write(_ s: ConferenceState, to w: inout XMLWriter) {
        w.open("conference-state")
        w.leaf("user-count", s.userCount.map { String($0) })
        w.leaf("active", s.active.map { String($0) })
        w.leaf("locked", s.locked.map { String($0) })
        w.close("conference-state")
    }

    private func write(_ users: ConferenceUsers, to w: inout XMLWriter) {
        let state: String? = users.state == .full ? nil : users.state.rawValue
        guard !users.users.isEmpty else {
            w.empty("users", [("state", state)])
            return
        }
        w.open("users", [("state", state)])
        for user in users.users { write(user, to: &w) }
        w.close("users")
    }

    private func write(_ user: ConferenceUser, to w: inout XMLWriter) {
        let attributes = [("entity", Optional(user.entity)), ("state", user.state.rawValue)]
        guard user.state != .deleted else {
            w.empty("user", attributes)
            return
        }
        w.open("user", attributes)
        w.leaf("display-text", user.displayText)
        if !user.roles.isEmpty {
            w.open("roles")
            for role in user.roles { w.leaf("entry", role) }
            w.close("roles")
        }
        if !user.languages.isEmpty { w.leaf("languages", user.languages.joined(separator: " ")) }
        for endpoint in user.endpoints { write(endpoint, to: &w) }
        w.close("user")
    }

    private func write(_ e: ConferenceEndpoint, to w: inout XMLWriter) {
        let attributes = [("entity", Optional(e.entity)), ("state", e.state.rawValue)]
        guard e.state != .deleted else {
            w.empty("endpoint", attributes)
            return
        }
        w.open("endpoint", attributes)
        w.leaf("display-text", e.displayText)
        w.leaf("status", e.status?.rawValue)
        w.leaf("joining-method", e.joiningMethod?.rawValue)
        write(e.joiningInfo, named: "joining-info", to: &w)
        w.leaf("disconnection-method", e.disconnectionMethod?.rawValue)
        write(e.disconnectionInfo, named: "disconnection-info", to: &w)
        for media in e.media {
            w.open("media", [("id", media.id)])
            w.leaf("display-text", media.displayText)
            w.leaf("type", media.type)
            w.leaf("label", media.label)
            w.leaf("src-id", media.srcID)
            w.leaf("status", media.status?.rawValue)
            w.close("media")
        }
        w.close("endpoint")
    }

    private func write(_ info: ExecutionInfo?, named name: String, to w: inout XMLWriter) {
        guard let info else { return }
        guard info.when != nil || info.reason != nil || info.by != nil else {
            w.empty(name)
            return
        }
        w.open(name)
        w.leaf("when", info.when.map(XSDateTime.format))
        w.leaf("reason", info.reason)
        w.leaf("by", info.by)
        w.close(name)
    }
}
