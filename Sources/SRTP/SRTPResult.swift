/// The outcome of protecting or unprotecting one packet. Per-packet calls return this instead of throwing.
public enum SRTPResult: Equatable, Sendable {
    /// Done: the packet now occupies `length` bytes of the buffer.
    case ok(length: Int)
    /// The authentication tag did not verify (RFC 3711 §3.3 step 5): drop the packet.
    case authenticationFailed
    /// The packet index was seen before or is behind the replay window (RFC 3711 §3.3.2): drop the packet.
    case replayed
    /// The packet is too short for its header and tag, or the buffer has no room for the tag.
    case badLength
    /// Any other libsrtp failure, with its `srtp_err_status_t` value (see ``SRTPError/Code/libsrtp(_:)``).
    case failed(status: Int32)
}

/// What one ``SRTPSession`` has done, by outcome. Read these into metrics; never log per packet.
public struct SRTPCounters: Sendable, Equatable {
    /// Packets protected (RTP and RTCP).
    public var protected: UInt64 = 0
    /// Packets unprotected (RTP and RTCP).
    public var unprotected: UInt64 = 0
    /// Packets dropped because their tag did not verify.
    public var authenticationFailures: UInt64 = 0
    /// Packets dropped by the replay check (or refused for being sent twice).
    public var replays: UInt64 = 0
    /// Packets refused for their length or for a buffer too small.
    public var badLength: UInt64 = 0
    /// Packets that failed for any other libsrtp reason.
    public var otherFailures: UInt64 = 0

    /// All zero.
    public init() {}
}
