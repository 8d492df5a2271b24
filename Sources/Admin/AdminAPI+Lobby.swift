import Focus
import Hummingbird

/// The lobby (C3P setLobbyAccess): admit or deny a caller who waits.
extension AdminAPI {
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
}
