public import ConferenceInfo
import MCUControl

extension ConferenceSnapshot {
    /// The RFC 4575 full state at `version`: the description (subject, the URI to join by, the capacity), the
    /// conference state (user count, active, locked) and one user per address with their endpoints (one per call),
    /// roles, status, joining information and media with the SSRC the focus sends them.
    public func conferenceInfo(version: UInt32) -> ConferenceInfoDocument {
        var users: [ConferenceUser] = []
        for entry in roster {
            let endpoint = entry.conferenceEndpoint
            if let i = users.firstIndex(where: { $0.entity == entry.uri }) {
                users[i].endpoints.append(endpoint)
                if !users[i].roles.contains(entry.role.rawValue) { users[i].roles.append(entry.role.rawValue) }
            } else {
                users.append(
                    ConferenceUser(entity: entry.uri, displayText: entry.displayName, roles: [entry.role.rawValue], endpoints: [endpoint]))
            }
        }
        let description = ConferenceDescription(
            displayText: subject, subject: subject, confURIs: URIList([URIEntry(uri: uri, displayText: subject, purpose: "participation")]),
            maximumUserCount: UInt32(clamping: maxParticipants))
        return .full(
            entity: uri, version: version, description: description, userCount: UInt32(clamping: users.count), active: active,
            locked: locked, users: users)
    }
}

extension RosterEntry {
    /// This call as an RFC 4575 endpoint.
    var conferenceEndpoint: ConferenceEndpoint {
        let streams = media.enumerated().filter { $0.element.accepted }.map { index, stream in
            ConferenceInfo.EndpointMedia(
                id: "\(index + 1)", displayText: stream.codec, type: stream.type, label: nil, srcID: stream.localSSRC.map(String.init),
                status: mediaStatus(of: stream))
        }
        return ConferenceEndpoint(
            entity: endpoint.value, displayText: displayName, status: EndpointStatus(rawValue: status.rawValue),
            joiningMethod: ConferenceInfo.JoiningMethod(rawValue: joiningMethod.rawValue), joiningInfo: ExecutionInfo(when: joinedAt),
            media: streams)
    }

    /// A stream's direction as the participant uses it: inactive on hold; a self-muted participant's audio is
    /// receive-only (the focus's own mute shows as the endpoint status muted-via-focus).
    private func mediaStatus(of stream: MCUControl.EndpointMedia) -> ConferenceInfo.MediaStatus {
        if onHold { return .inactive }
        if selfMuted && stream.type == "audio" { return .recvonly }
        return .sendrecv
    }
}
