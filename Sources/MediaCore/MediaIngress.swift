import RTPWire
import SRTP

/// Why a datagram on a media port was dropped; each maps to one of ``MediaDropCounters``.
enum MediaDropReason: Sendable, Equatable {
    case malformed, authentication, replay, wrongSource, probation, wrongSSRC, payloadType

    init(_ result: SRTPResult) {
        switch result {
        case .replayed: self = .replay
        case .badLength: self = .malformed
        case .ok, .authenticationFailed, .failed: self = .authentication
        }
    }
}

extension MediaDropCounters {
    @inline(__always)
    mutating func count(_ reason: MediaDropReason) {
        switch reason {
        case .malformed: malformed &+= 1
        case .authentication: authentication &+= 1
        case .replay: replay &+= 1
        case .wrongSource: wrongSource &+= 1
        case .probation: probation &+= 1
        case .wrongSSRC: wrongSSRC &+= 1
        case .payloadType: payloadType &+= 1
        }
    }
}

/// What one received datagram turned out to be, after the checks every media stream makes.
enum MediaIngressResult {
    /// An RTP packet that decrypted, parsed and came from an accepted source: its header and plain length; `learned`
    /// when this packet made its source the stream's (send there from now on).
    case rtp(RTPHeader, length: Int, learned: Bool)
    /// An RTCP compound packet that decrypted and came from an allowed source: its plain length.
    case rtcp(length: Int)
    case drop(MediaDropReason)
}

/// The one ingress of audio and video (RFC 7983 demultiplexing, RFC 3711 unprotect, RFC 3550 parse, the source rules
/// of ``MediaSourceGuard``): a datagram in, a parsed packet or a drop reason out. Plain RTP from an IP signalling never
/// named is refused before any work; SRTP is authenticated before its source counts. In place, no allocation.
enum MediaIngress {
    /// `expectedSSRC`: the SSRC the stream has been receiving lately, to drop a second sender's packets (nil: any).
    @inline(__always)
    static func receive(
        _ buffer: UnsafeMutableRawBufferPointer, length: Int, from source: MediaAddress, inbound: InboundSRTP?,
        sourceGuard: inout MediaSourceGuard, expectedSSRC: UInt32? = nil, tick: UInt64
    ) -> MediaIngressResult {
        switch PacketClass.classify(UnsafeRawBufferPointer(buffer), length: length) {
        case .rtcp:
            return receiveRTCP(buffer, length: length, from: source, inbound: inbound, sourceGuard: sourceGuard)
        case .rtp:
            break
        default:
            // STUN, DTLS and the rest are not spoken on these ports (SDES-SRTP only).
            return .drop(.malformed)
        }
        guard length >= RTPHeader.fixedSize, length <= buffer.count else { return .drop(.malformed) }
        if inbound == nil && !sourceGuard.allowsIP(source.ip) { return .drop(.wrongSource) }
        var plain = length
        if let inbound {
            let result = inbound.unprotectRTP(buffer, length: length)
            guard case .ok(let n) = result else { return .drop(MediaDropReason(result)) }
            plain = n
        }
        guard case .success(let header) = RTPHeader.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<plain])) else {
            return .drop(.malformed)
        }
        if let expectedSSRC, expectedSSRC != header.ssrc { return .drop(.wrongSSRC) }
        switch sourceGuard.check(source: source, ssrc: header.ssrc, sequence: header.sequenceNumber, authenticated: inbound != nil, tick: tick) {
        case .accept: return .rtp(header, length: plain, learned: false)
        case .learn: return .rtp(header, length: plain, learned: true)
        case .probation: return .drop(.probation)
        case .wrongSource: return .drop(.wrongSource)
        }
    }

    /// An RTCP datagram (on its own port, or multiplexed): the same source rule, then SRTCP.
    @inline(__always)
    static func receiveRTCP(
        _ buffer: UnsafeMutableRawBufferPointer, length: Int, from source: MediaAddress, inbound: InboundSRTP?, sourceGuard: MediaSourceGuard
    ) -> MediaIngressResult {
        guard PacketClass.classify(UnsafeRawBufferPointer(buffer), length: length) == .rtcp, length <= buffer.count else {
            return .drop(.malformed)
        }
        if inbound == nil && !sourceGuard.acceptsRTCP(from: source, authenticated: false) { return .drop(.wrongSource) }
        guard let inbound else { return .rtcp(length: length) }
        let result = inbound.unprotectRTCP(buffer, length: length)
        guard case .ok(let n) = result else { return .drop(MediaDropReason(result)) }
        return .rtcp(length: n)
    }
}
