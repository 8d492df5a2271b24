/// What a datagram on a media port is, from its first two bytes (RFC 7983 §7, RFC 5761 §4): the demultiplexing every
/// media socket does before any parsing. No allocation.
public enum PacketClass: Sendable, Equatable {
    /// STUN (first byte 0–3).
    case stun
    /// ZRTP (16–19).
    case zrtp
    /// DTLS (20–63).
    case dtls
    /// TURN channel data (64–79).
    case turnChannel
    /// RTP (128–191), second byte outside the RTCP packet types.
    case rtp
    /// RTCP (128–191 with a second byte of 192–223: packet types SR, RR, SDES, BYE, APP, RTPFB, PSFB…).
    case rtcp
    /// Anything else, or too short to tell.
    case unknown

    /// Classifies the first `length` bytes of `packet`.
    @inline(__always)
    public static func classify(_ packet: UnsafeRawBufferPointer, length: Int) -> PacketClass {
        guard length >= 2, length <= packet.count else { return .unknown }
        let first = packet[0]
        switch first {
        case 0...3: return .stun
        case 16...19: return .zrtp
        case 20...63: return .dtls
        case 64...79: return .turnChannel
        case 128...191:
            let second = packet[1]
            return second >= 192 && second <= 223 ? .rtcp : .rtp
        default: return .unknown
        }
    }
}
