/// Bounds the parser enforces before a message can cost more memory or time than a sane peer would need.
///
/// Over a limit the parser answers: message over `maxMessageBytes` or body over `maxBodyBytes` → 413;
/// Request-Line over `maxHeaderLineBytes` → 414; more than `maxHeaderFields` fields, a field over
/// `maxHeaderLineBytes`, or more than `maxVias` Via values → 400 with a reason naming the limit.
/// (494 is "Security Agreement Required", RFC 3329, and would mislead a client, so it is not used.)
public struct SIPLimits: Sendable {
    /// The largest message (start line, headers and body) accepted, in octets. Default 65,535.
    public var maxMessageBytes = 65_535
    /// The most header fields (lines after unfolding) accepted. Default 256.
    public var maxHeaderFields = 256
    /// The longest unfolded header field (name, colon and value) or start line, in octets. Default 8,192.
    public var maxHeaderLineBytes = 8_192
    /// The largest body accepted, in octets. Default 65,536.
    public var maxBodyBytes = 65_536
    /// The most Via values accepted. Default 70 (one per hop of the RFC 3261 Max-Forwards default).
    public var maxVias = 70

    /// The defaults above.
    public init() {}
}
