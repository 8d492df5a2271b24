// RFC 3261 §7.1:  Request-Line = Method SP Request-URI SP SIP-Version CRLF

/// A SIP request: method, Request-URI, header fields and body.
public struct SIPRequest: Sendable, Equatable {
    public var method: SIPMethod
    public var uri: SIPURI
    public var headers: SIPHeaders
    /// The body octets (Content-Length is derived from them when serialising).
    public var body: [UInt8]

    /// A request; Content-Length is written by `serialized()`.
    public init(method: SIPMethod, uri: SIPURI, headers: SIPHeaders = SIPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
    }
}
