/// Who is calling, as the focus established it.
public struct CallerIdentity: Sendable, Equatable {
    /// The tenant user they authenticated as (digest), nil when anonymous.
    public var user: String?
    public var uri: String
    public var displayName: String?

    public init(user: String?, uri: String, displayName: String?) {
        self.user = user
        self.uri = uri
        self.displayName = displayName
    }
}

/// The answer a refused join gets, the same for every way of asking (INVITE, SUBSCRIBE, REFER) so a caller cannot
/// tell a missing meeting from another tenant's.
public struct JoinRefusal: Error, Sendable, Equatable {
    public var status: Int
    public var reason: String
    public var headers: [Header]
    /// For metrics: notFound, locked, capacity, quota, forbidden, media, failed.
    public var metric: String

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public init(_ status: Int, _ reason: String, metric: String, headers: [(String, String)] = []) {
        self.status = status
        self.reason = reason
        self.metric = metric
        self.headers = headers.map { Header(name: $0.0, value: $0.1) }
    }

    /// 404 for a meeting that does not exist, or that belongs to another tenant (indistinguishable on purpose).
    public static let notFound = JoinRefusal(404, "Not Found", metric: "notFound")
    public static let locked = JoinRefusal(403, "Forbidden (the meeting is locked)", metric: "locked")
    /// 403 for a request that did not arrive over TLS to a tenant whose policy requires it.
    public static let tlsRequired = JoinRefusal(403, "Forbidden (this meeting requires TLS (sips:))", metric: "tlsRequired")
    public static let full = JoinRefusal(486, "Busy Here (the meeting is full)", metric: "capacity")
    public static let lobbyFull = JoinRefusal(486, "Busy Here (the meeting's lobby is full)", metric: "lobbyFull")
    public static func quota(_ what: String) -> JoinRefusal {
        JoinRefusal(503, "Service Unavailable (\(what))", metric: "quota", headers: [("Retry-After", "60")])
    }
}
