public import Focus
public import Hummingbird

/// An admin API failure: the HTTP status, a reason a person can act on, and for 401 the challenges to answer. Its
/// response is JSON, `{"error": "<reason>"}`. Equality compares the status only, like ``ControlError``'s code.
public struct AdminError: HTTPResponseError, Equatable, CustomStringConvertible {
    /// The HTTP status answered.
    public var status: HTTPResponse.Status
    /// What went wrong, said so the caller can fix it; the body's `error`.
    public var reason: String
    /// `WWW-Authenticate` values for a 401 (Digest per algorithm, then Bearer).
    public var challenges: [String]

    /// An error with its status, reason and (for 401) challenges.
    public init(_ status: HTTPResponse.Status, _ reason: String, challenges: [String] = []) {
        self.status = status
        self.reason = reason
        self.challenges = challenges
    }

    /// `<status> <reason>`, for logs.
    public var description: String { "\(status.code) \(reason)" }
    /// Errors are equal when their statuses are.
    public static func == (a: AdminError, b: AdminError) -> Bool { a.status == b.status }

    /// A malformed request: bad JSON, a missing field, an impossible value.
    public static func invalid(_ reason: String) -> AdminError { AdminError(.badRequest, reason) }

    /// Valid credentials that may not do this.
    public static func forbidden(_ reason: String) -> AdminError { AdminError(.forbidden, reason) }

    /// A tenant that does not exist, or that these credentials may not see: the same answer for both, built only
    /// from the URL, so a tenant's token cannot tell another tenant's resources from missing ones.
    public static func tenantNotFound(_ tenant: String) -> AdminError {
        AdminError(.notFound, "no tenant \(tenant) (or not one these credentials may see)")
    }

    /// A control operation's failure with its status: 404, 403, 400, 409, or `failedStatus` (502 when the MCU or a
    /// SIP peer failed, 500 for the store).
    public init(_ error: ControlError, failedStatus: HTTPResponse.Status = .badGateway) {
        switch error.code {
        case .notFound: self.init(.notFound, error.reason)
        case .forbidden: self.init(.forbidden, error.reason)
        case .invalid: self.init(.badRequest, error.reason)
        case .conflict: self.init(.conflict, error.reason)
        case .failed: self.init(failedStatus, error.reason)
        }
    }

    /// The JSON error response, with `WWW-Authenticate` for each challenge.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = AdminJSON.response(ErrorBody(error: reason), status: status)
        if !challenges.isEmpty { response.headers[values: .wwwAuthenticate] = challenges }
        return response
    }

    /// The body of every error response.
    struct ErrorBody: Codable, Equatable {
        var error: String
    }
}
