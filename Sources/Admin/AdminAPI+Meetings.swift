import Focus
import Hummingbird

/// Scheduled meetings: `…/meetings` (list, create) and `…/meetings/{id}` (read, replace, delete). Meetings from the
/// configuration file are read-only here (409 says to change the file).
extension AdminAPI {
    func listMeetings(_ request: Request, _ context: BasicRequestContext) async throws(AdminError) -> Response {
        let (_, tenant) = try tenant(request, context, tokenOnly: true)
        return AdminJSON.response(focus.directory.meetings(tenant: tenant.id).map(view))
    }

    func getMeeting(_ request: Request, _ context: BasicRequestContext) async throws(AdminError) -> Response {
        let (_, tenant) = try tenant(request, context, tokenOnly: true)
        let id = try parameter("meeting", context)
        return AdminJSON.response(view(try meeting(tenant: tenant.id, id: id)))
    }

    /// Creates a meeting (201, with `Location`); an existing ID is a 409.
    func createMeeting(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (principal, tenant) = try tenant(request, context, tokenOnly: true)
        let body = try await AdminJSON.decode(MeetingBody.self, from: request, known: MeetingBody.fields)
        guard let id = body.id, !id.isEmpty else { throw AdminError.invalid("missing field id (the meeting ID, the user part of its URI)") }
        if focus.directory.meeting(tenant: tenant.id, id: id) != nil {
            throw AdminError(.conflict, "meeting \(id) exists; PUT /v1/tenants/\(tenant.id)/meetings/\(id) replaces it")
        }
        let meeting = try body.meeting(tenant: tenant.id, id: id)
        try await control(failedStatus: .internalServerError) { () async throws(ControlError) in try await focus.saveMeeting(meeting) }
        audit("meeting created", principal, "\(tenant.id)/\(id)")
        var response = AdminJSON.response(view(meeting), status: .created)
        response.headers[.location] = "/v1/tenants/\(tenant.id)/meetings/\(id)"
        return response
    }

    /// Replaces a meeting (200), or creates it under the URL's ID (201).
    func putMeeting(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (principal, tenant) = try tenant(request, context, tokenOnly: true)
        let id = try parameter("meeting", context)
        let body = try await AdminJSON.decode(MeetingBody.self, from: request, known: MeetingBody.fields)
        if let bodyID = body.id, bodyID != id {
            throw AdminError.invalid("the body's id \(bodyID) is not the URL's \(id); a meeting cannot be renamed")
        }
        let existed = focus.directory.meeting(tenant: tenant.id, id: id) != nil
        let meeting = try body.meeting(tenant: tenant.id, id: id)
        try await control(failedStatus: .internalServerError) { () async throws(ControlError) in try await focus.saveMeeting(meeting) }
        audit(existed ? "meeting replaced" : "meeting created", principal, "\(tenant.id)/\(id)")
        return AdminJSON.response(view(meeting), status: existed ? .ok : .created)
    }

    /// Deletes a meeting made through the API (204); a live conference of it goes on until it empties.
    func deleteMeeting(_ request: Request, _ context: BasicRequestContext) async throws(AdminError) -> Response {
        let (principal, tenant) = try tenant(request, context, tokenOnly: true)
        let id = try parameter("meeting", context)
        _ = try meeting(tenant: tenant.id, id: id)
        try await control(failedStatus: .internalServerError) { () async throws(ControlError) in
            try await focus.deleteMeeting(tenant: tenant.id, id: id)
        }
        audit("meeting deleted", principal, "\(tenant.id)/\(id)")
        return AdminJSON.noContent()
    }

    func meeting(tenant: String, id: String) throws(AdminError) -> ScheduledMeeting {
        guard let meeting = focus.directory.meeting(tenant: tenant, id: id) else {
            throw AdminError(.notFound, "no meeting \(id) in tenant \(tenant)")
        }
        return meeting
    }

    func view(_ meeting: ScheduledMeeting) -> MeetingView {
        MeetingView(meeting, live: focus.liveConference(tenant: meeting.tenant, id: meeting.id) != nil)
    }
}
