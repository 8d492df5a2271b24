import Foundation
import Focus
import Hummingbird
import Logging
import MCUControl

/// Who may reach what: the tenant in the URL, then the conference and participant inside it.
extension AdminAPI {
    /// A path parameter, percent-decoded (endpoint IDs carry `@` and `|`).
    func parameter(_ name: String, _ context: BasicRequestContext) throws(AdminError) -> String {
        guard let raw = context.parameters.get(name) else { throw AdminError(.internalServerError, "route without :\(name)") }
        guard let decoded = raw.removingPercentEncoding, !decoded.isEmpty else {
            throw AdminError.invalid("the \(name) in the URL is not valid percent-encoding")
        }
        return decoded
    }

    /// Authenticates the request and resolves the URL's tenant. Another tenant's (for a tenant token) is answered
    /// exactly like one that does not exist, and logged at notice with the token's tenant and the target.
    /// `tokenOnly`: digest credentials (a user) are refused with 403; they open only their meetings' conferences.
    func tenant(_ request: Request, _ context: BasicRequestContext, tokenOnly: Bool) throws(AdminError) -> (AdminPrincipal, Tenant) {
        let id = try parameter("tenant", context)
        let principal = try authenticator.authenticate(request, tenant: id)
        guard principal.sees(tenant: id) else {
            logger.notice(
                "cross-tenant request refused as not found",
                metadata: [
                    "principal": "\(principal)", "tokenTenant": "\(principal.ownTenant ?? "-")", "targetTenant": "\(id)",
                    "target": "\(request.method.rawValue) \(request.uri.path)",
                ])
            throw AdminError.tenantNotFound(id)
        }
        guard let tenant = focus.directory.tenant(id: id) else { throw AdminError.tenantNotFound(id) }
        if tokenOnly, case .user(_, let name) = principal {
            throw AdminError.forbidden(
                "\(name)'s digest credentials open only the conferences of meetings \(name) organizes or presents; this route needs a bearer token")
        }
        return (principal, tenant)
    }

    /// The URL's live conference, for a caller allowed to control it: a token of its tenant (or the operator), or
    /// its organizer or a presenter by digest.
    func conference(_ request: Request, _ context: BasicRequestContext) async throws(AdminError) -> (AdminPrincipal, FocusConference) {
        let (principal, tenant) = try tenant(request, context, tokenOnly: false)
        let id = try parameter("conference", context)
        guard let conference = focus.liveConference(tenant: tenant.id, id: id) else {
            throw AdminError(.notFound, "no live conference \(id) in tenant \(tenant.id) (a meeting's conference starts with its first caller)")
        }
        if case .user(_, let name) = principal, !(await conference.mayControl(name)) {
            throw AdminError.forbidden("\(name) is neither the organizer nor a presenter of \(id), so may not control it")
        }
        return (principal, conference)
    }

    /// The URL's participant in the URL's conference.
    func participant(
        _ request: Request, _ context: BasicRequestContext
    ) async throws(AdminError) -> (AdminPrincipal, FocusConference, RosterEntry) {
        let (principal, conference) = try await conference(request, context)
        let endpoint = try parameter("endpoint", context)
        guard let entry = await conference.roster.first(where: { $0.endpoint.value == endpoint }) else {
            throw AdminError(.notFound, "no participant \(endpoint) in conference \(conference.id.meeting) (see its roster for endpoint IDs)")
        }
        return (principal, conference, entry)
    }

    /// Runs a control operation, turning its ``ControlError`` into the API's answer.
    func control<T>(failedStatus: HTTPResponse.Status = .badGateway, _ body: () async throws(ControlError) -> T) async throws(AdminError) -> T {
        do {
            return try await body()
        } catch {
            throw AdminError(error, failedStatus: failedStatus)
        }
    }

    /// Logs a change made through the API: who, what, where.
    func audit(_ what: String, _ principal: AdminPrincipal, _ target: String) {
        logger.info("admin: \(what)", metadata: ["principal": "\(principal)", "target": "\(target)"])
    }
}
