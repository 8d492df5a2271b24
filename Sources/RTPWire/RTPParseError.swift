/// Why bytes are not an RTP packet (RFC 3550 §5.1), for drop counters and tests; never logged per packet.
public enum RTPParseError: Error, Sendable, Equatable {
    /// Shorter than the 12-byte fixed header.
    case tooShort
    /// The version field is not 2.
    case badVersion
    /// The CSRC list runs past the end.
    case csrcOverrun
    /// The header extension (RFC 8285) runs past the end.
    case extensionOverrun
    /// The P bit is set, but the padding count is zero or larger than what follows the header.
    case badPadding
}
