/// Why a message was rejected, the status a server should answer a request with, and what could be salvaged
/// from it to build that answer statelessly (RFC 3261 §8.2, §16.3; RFC 4475).
public struct SIPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The response code to send: 400, 413, 414, 416 or 505. For a malformed response the caller drops it.
    public var status: Int
    /// A human reason, e.g. "CSeq sequence number exceeds 2^32-1"; fit for a 400's reason phrase.
    public var reason: String
    /// Whether the start line looked like a request (nil when it could not be told).
    public var isRequest: Bool?
    /// The Via, From, To, Call-ID and CSeq fields as far as they could be read.
    public var salvagedHeaders: SIPHeaders
    /// Whether the error broke framing, so the rest of a datagram is discarded and a stream must be closed
    /// (RFC 4475 ncl, mcl01; a stream message without Content-Length).
    public var isFramingError: Bool

    /// An error with `status` and `reason`.
    public init(
        status: Int, reason: String, isRequest: Bool? = nil, salvagedHeaders: SIPHeaders = SIPHeaders(),
        isFramingError: Bool = false
    ) {
        self.status = status
        self.reason = reason
        self.isRequest = isRequest
        self.salvagedHeaders = salvagedHeaders
        self.isFramingError = isFramingError
    }

    /// `status reason`.
    public var description: String { String(status) + " " + reason }
}
