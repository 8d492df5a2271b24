import Focus
import Hummingbird
import MCUControl

/// One participant: read, eject (C3P deleteUser), mute and unmute (modifyEndpointMedia), admit or deny from the
/// lobby (setLobbyAccess).
extension AdminAPI {
    func getParticipant(_ request: Request, _ context: BasicRequestContext) async throws(AdminError) -> Response {
        let (_, _, entry) = try await participant(request, context)
        return AdminJSON.response(ParticipantView(entry))
    }

    /// Hangs up on a participant (BYE) and takes them off the roster (204).
    func eject(_ request: Request, _ context: BasicRequestContext) async throws(AdminError) -> Response {
        let (principal, conference, entry) = try await participant(request, context)
        try await control { () async throws(ControlError) in try await focus.eject(conference, endpoint: entry.endpoint) }
        audit("ejected \(entry.endpoint)", principal, "\(conference.id)")
        return AdminJSON.noContent()
    }

    /// Mutes or unmutes one participant at the MCU; answers the participant.
    func mute(_ request: Request, _ context: BasicRequestContext, muted: Bool) async throws(AdminError) -> Response {
        let (principal, conference, entry) = try await participant(request, context)
        try await control { () async throws(ControlError) in
            try await focus.setMuted(conference, endpoint: entry.endpoint, muted: muted)
        }
        audit(muted ? "muted \(entry.endpoint)" : "unmuted \(entry.endpoint)", principal, "\(conference.id)")
        return try await participantResponse(conference, entry.endpoint)
    }

    /// Lets a caller in from the lobby: into the mix, their media back to sendrecv; answers the participant.
    func admit(_ request: Request, _ context: BasicRequestContext) async throws(AdminError) -> Response {
        let (principal, conference, entry) = try await participant(request, context)
        try await control { () async throws(ControlError) in try await focus.admit(conference, endpoint: entry.endpoint) }
        audit("admitted \(entry.endpoint)", principal, "\(conference.id)")
        return try await participantResponse(conference, entry.endpoint)
    }

    /// Turns a caller in the lobby away (BYE); 204.
    func deny(_ request: Request, _ context: BasicRequestContext) async throws(AdminError) -> Response {
        let (principal, conference, entry) = try await participant(request, context)
        try await control { () async throws(ControlError) in try await focus.deny(conference, endpoint: entry.endpoint) }
        audit("denied \(entry.endpoint)", principal, "\(conference.id)")
        return AdminJSON.noContent()
    }

    /// The participant as they are now (404 when they left meanwhile).
    func participantResponse(_ conference: FocusConference, _ endpoint: EndpointID, status: HTTPResponse.Status = .ok) async throws(AdminError)
        -> Response
    {
        guard let entry = await conference.roster.first(where: { $0.endpoint == endpoint }) else {
            throw AdminError(.notFound, "participant \(endpoint) left conference \(conference.id.meeting)")
        }
        return AdminJSON.response(ParticipantView(entry), status: status)
    }
}
