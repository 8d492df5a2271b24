import Foundation
import Focus
import Hummingbird

/// Dial-out (C3P addUser, the focus calling the user): `POST …/conferences/{id}/participants` with
/// `{"uri": "sip:…"}`. A scheduled meeting that is not live yet is started for it. The call proceeds in the
/// background: 202 with the endpoint ID at once, and the roster shows dialing-out, alerting, connected (or the reason
/// it failed).
extension AdminAPI {
    func dialOut(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (principal, tenant) = try tenant(request, context, tokenOnly: false)
        let id = try parameter("conference", context)
        let body = try await AdminJSON.decode(DialOutBody.self, from: request, known: ["uri"])
        let uri = body.uri.trimmingCharacters(in: .whitespaces)
        guard uri.lowercased().hasPrefix("sip:") || uri.lowercased().hasPrefix("sips:") else {
            throw AdminError.invalid("uri must be a SIP URI (sip:user@host), not \(uri)")
        }
        let conference: FocusConference
        if focus.liveConference(tenant: tenant.id, id: id) != nil {
            conference = try await self.conference(request, context).1
        } else {
            // Not live: a digest user may start it only for a meeting they organize or present.
            if case .user(_, let name) = principal {
                guard let meeting = focus.directory.meeting(tenant: tenant.id, id: id) else {
                    throw AdminError(.notFound, "no meeting \(id) in tenant \(tenant.id)")
                }
                guard meeting.organizer == name || meeting.presenters.contains(name) else {
                    throw AdminError.forbidden("\(name) is neither the organizer nor a presenter of \(id), so may not call people into it")
                }
            }
            conference = try await control { () async throws(ControlError) in try focus.conference(tenant: tenant.id, id: id) }
        }
        let requestedBy: String? = if case .user(_, let name) = principal { name } else { nil }
        let endpoint = try await control { () async throws(ControlError) in
            try await focus.dialOut(conference, to: uri, requestedBy: requestedBy)
        }
        audit("dialing out to \(uri) as \(endpoint)", principal, "\(conference.id)")
        var response = AdminJSON.response(
            DialOutResult(endpoint: endpoint.value, conference: id, uri: uri), status: .accepted)
        response.headers[.location] = "/v1/tenants/\(tenant.id)/conferences/\(id)/participants/\(endpoint.value)"
        return response
    }

    /// The body of a dial-out.
    struct DialOutBody: Codable {
        var uri: String
    }

    /// The answer to a dial-out: where to watch the call in the roster.
    struct DialOutResult: Codable {
        var endpoint: String
        var conference: String
        var uri: String
    }
}
