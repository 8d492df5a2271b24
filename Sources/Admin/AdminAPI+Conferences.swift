import Focus
import Hummingbird

/// Live conferences: list, read, end, lock and unlock, mute and unmute every attendee, roles
/// (C3P getConference, deleteConference, modifyConferenceLock, modifyEndpointMedia, modifyUserRoles).
extension AdminAPI {
    /// The tenant's live conferences with their rosters; by digest, only those the user organizes or presents.
    func listConferences(_ request: Request, _ context: BasicRequestContext) async throws(AdminError) -> Response {
        let (principal, tenant) = try tenant(request, context, tokenOnly: false)
        var views: [ConferenceView] = []
        for conference in focus.liveConferences(tenant: tenant.id) {
            if case .user(_, let name) = principal, !(await conference.mayControl(name)) { continue }
            views.append(await ConferenceView.of(conference))
        }
        return AdminJSON.response(views)
    }

    func getConference(_ request: Request, _ context: BasicRequestContext) async throws(AdminError) -> Response {
        let (_, conference) = try await conference(request, context)
        return AdminJSON.response(await ConferenceView.of(conference))
    }

    /// Ends the meeting for everyone: BYE to each participant, then the conference goes (204).
    func endConference(_ request: Request, _ context: BasicRequestContext) async throws(AdminError) -> Response {
        let (principal, conference) = try await conference(request, context)
        await focus.end(conference)
        audit("conference ended", principal, "\(conference.id)")
        return AdminJSON.noContent()
    }

    /// Locks (only organizers and presenters may join) or unlocks; answers the conference.
    func lock(_ request: Request, _ context: BasicRequestContext, locked: Bool) async throws(AdminError) -> Response {
        let (principal, conference) = try await conference(request, context)
        await focus.setLocked(conference, locked: locked)
        audit(locked ? "locked" : "unlocked", principal, "\(conference.id)")
        return AdminJSON.response(await ConferenceView.of(conference))
    }

    /// Mutes or unmutes every attendee (organizers and presenters keep their voice); answers how many changed.
    func muteAll(_ request: Request, _ context: BasicRequestContext, muted: Bool) async throws(AdminError) -> Response {
        let (principal, conference) = try await conference(request, context)
        let changed = try await control { () async throws(ControlError) in try await focus.setMutedAll(conference, muted: muted) }
        audit(muted ? "muted all attendees" : "unmuted all attendees", principal, "\(conference.id)")
        return AdminJSON.response(MuteAllResult(changed: changed, conference: await ConferenceView.of(conference)))
    }

    /// Makes a tenant user presenter or attendee for the rest of the conference (`{"role": "presenter"}`).
    func setRole(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (principal, conference) = try await conference(request, context)
        let user = try parameter("user", context)
        let body = try await AdminJSON.decode(RoleBody.self, from: request, known: ["role"])
        guard let role = ParticipantRole(rawValue: body.role) else {
            throw AdminError.invalid("role must be presenter or attendee, not \(body.role)")
        }
        try await control { () async throws(ControlError) in try await focus.setRole(conference, user: user, role: role) }
        audit("role \(role.rawValue) for \(user)", principal, "\(conference.id)")
        return AdminJSON.response(RoleBody(user: user, role: role.rawValue))
    }

    /// The answer to mute-all and unmute-all.
    struct MuteAllResult: Codable {
        var changed: Int
        var conference: ConferenceView
    }

    /// The body of a role change, and its answer.
    struct RoleBody: Codable {
        var user: String?
        var role: String
    }
}
