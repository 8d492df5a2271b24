// RFC 3261 §7.2:  Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF

/// A SIP response: status code, reason phrase, header fields and body.
public struct SIPResponse: Sendable, Equatable {
    /// 100...699.
    public var statusCode: Int
    /// The reason phrase (UTF-8, possibly empty).
    public var reason: String
    public var headers: SIPHeaders
    public var body: [UInt8]

    /// A response; a nil `reason` takes the standard phrase for `statusCode`.
    public init(statusCode: Int, reason: String? = nil, headers: SIPHeaders = SIPHeaders(), body: [UInt8] = []) {
        self.statusCode = statusCode
        self.reason = reason ?? SIPResponse.reasonPhrase(for: statusCode)
        self.headers = headers
        self.body = body
    }
}
