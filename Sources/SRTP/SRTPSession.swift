internal import CSRTP

/// One direction of one endpoint's SRTP (RFC 3711; AES-GCM per RFC 7714): the only owner of an `srtp_t`.
///
/// An outbound session protects every SSRC it is handed (`ssrc_any_outbound`); an inbound session accepts
/// every SSRC whose packets authenticate (`ssrc_any_inbound`). libsrtp keeps one stream context per SSRC,
/// created on the first authenticated packet of that SSRC. This wrapper allocates nothing per packet, but
/// Debian's libsrtp2 2.5.0 is built on NSS, whose cipher and HMAC contexts are created per packet: measured
/// 28 mallocs per protect + unprotect pair with AES-CM/HMAC-SHA1 and 10 with AES-GCM. A libsrtp built on OpenSSL
/// (or its built-in crypto) would make the steady state allocation-free.
///
/// Not thread-safe: a session belongs to the one event loop of its conference.
public final class SRTPSession: @unchecked Sendable {
    /// Which way the packets this session handles travel.
    public enum Direction: Sendable {
        /// Received packets: unprotect.
        case inbound
        /// Packets to send: protect.
        case outbound
    }

    /// The suite in use.
    public let profile: SRTPProfile
    /// The direction this session was made for.
    public let direction: Direction
    private let context: OpaquePointer
    private var tally = SRTPCounters()

    /// What this session has done so far.
    public var counters: SRTPCounters { tally }

    /// Creates the libsrtp session. `replayWindow` is in packets, 64...32767 (RFC 3711 §3.3.2 asks for at least 64).
    public init(keyMaterial: SRTPKeyMaterial, direction: Direction, replayWindow: Int = 128) throws(SRTPError) {
        guard (64...0x7FFF).contains(replayWindow) else {
            throw SRTPError(.unsupportedSetting, "the SRTP replay window must be 64...32767 packets, not \(replayWindow)")
        }
        let initStatus = LibSRTP.initialized
        guard initStatus == srtp_err_status_ok else {
            throw SRTPError.libsrtp(initStatus, during: "srtp_init")
        }
        var policy = srtp_policy_t()
        Self.setCryptoPolicy(&policy, for: keyMaterial.profile)
        policy.ssrc.type = direction == .inbound ? ssrc_any_inbound : ssrc_any_outbound
        policy.window_size = UInt(replayWindow)
        policy.allow_repeat_tx = 0
        policy.next = nil
        var key = keyMaterial.keyAndSalt
        var session: srtp_t? = nil
        let status = key.withUnsafeMutableBufferPointer { keyBytes in
            policy.key = keyBytes.baseAddress
            return srtp_create(&session, &policy)  // copies the key into its own context
        }
        for i in key.indices { key[i] = 0 }
        guard status == srtp_err_status_ok, let session else {
            throw SRTPError.libsrtp(status, during: "srtp_create for \(keyMaterial.profile.rawValue)")
        }
        self.profile = keyMaterial.profile
        self.direction = direction
        self.context = session
    }

    deinit { srtp_dealloc(context) }

    /// Encrypts and authenticates the RTP packet in the first `length` bytes of `buffer`, in place.
    /// `buffer` must have room for ``SRTPProfile/rtpOverhead`` more bytes. Never traps, never logs; counts.
    public func protectRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) -> SRTPResult {
        guard let header = RTPBounds.headerLength(buffer, length: length),
            length <= buffer.count - profile.rtpOverhead, length <= Int(Int32.max) - profile.rtpOverhead,
            header <= length, let base = buffer.baseAddress
        else { return count(.badLength, protecting: true) }
        var octets = Int32(truncatingIfNeeded: length)
        let status = srtp_protect(context, base, &octets)
        return finish(status, octets, protecting: true)
    }

    /// Verifies and decrypts the SRTP packet in the first `length` bytes of `buffer`, in place.
    /// On `.ok` the RTP packet is the first `length` bytes. Never traps, never logs; counts.
    public func unprotectRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) -> SRTPResult {
        guard length <= buffer.count, let header = RTPBounds.headerLength(buffer, length: length),
            header + profile.rtpOverhead <= length, length <= Int(Int32.max), let base = buffer.baseAddress
        else { return count(.badLength, protecting: false) }
        var octets = Int32(truncatingIfNeeded: length)
        let status = srtp_unprotect(context, base, &octets)
        return finish(status, octets, protecting: false)
    }

    /// Encrypts and authenticates the RTCP compound packet in the first `length` bytes of `buffer`, in place.
    /// `buffer` must have room for ``SRTPProfile/rtcpOverhead`` more bytes. Never traps, never logs; counts.
    public func protectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) -> SRTPResult {
        guard length >= RTPBounds.rtcpHeaderLength, length <= buffer.count - profile.rtcpOverhead,
            length <= Int(Int32.max) - profile.rtcpOverhead, let base = buffer.baseAddress
        else { return count(.badLength, protecting: true) }
        var octets = Int32(truncatingIfNeeded: length)
        let status = srtp_protect_rtcp(context, base, &octets)
        return finish(status, octets, protecting: true)
    }

    /// Verifies and decrypts the SRTCP packet in the first `length` bytes of `buffer`, in place.
    /// On `.ok` the RTCP packet is the first `length` bytes. Never traps, never logs; counts.
    public func unprotectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) -> SRTPResult {
        guard length <= buffer.count, length >= RTPBounds.rtcpHeaderLength + profile.rtcpOverhead,
            length <= Int(Int32.max), let base = buffer.baseAddress
        else { return count(.badLength, protecting: false) }
        var octets = Int32(truncatingIfNeeded: length)
        let status = srtp_unprotect_rtcp(context, base, &octets)
        return finish(status, octets, protecting: false)
    }

    private func finish(_ status: srtp_err_status_t, _ octets: Int32, protecting: Bool) -> SRTPResult {
        let result: SRTPResult =
            switch status {
            case srtp_err_status_ok: .ok(length: Int(octets))
            case srtp_err_status_auth_fail: .authenticationFailed
            case srtp_err_status_replay_fail, srtp_err_status_replay_old: .replayed
            default: .failed(status: Int32(bitPattern: status.rawValue))
            }
        return count(result, protecting: protecting)
    }

    private func count(_ result: SRTPResult, protecting: Bool) -> SRTPResult {
        switch result {
        case .ok:
            if protecting { tally.protected &+= 1 } else { tally.unprotected &+= 1 }
        case .authenticationFailed: tally.authenticationFailures &+= 1
        case .replayed: tally.replays &+= 1
        case .badLength: tally.badLength &+= 1
        case .failed: tally.otherFailures &+= 1
        }
        return result
    }

    private static func setCryptoPolicy(_ policy: inout srtp_policy_t, for profile: SRTPProfile) {
        switch profile {
        case .aesCM128HMACSHA1_80:
            srtp_crypto_policy_set_rtp_default(&policy.rtp)  // = aes_cm_128_hmac_sha1_80, a macro Swift cannot call
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aesCM128HMACSHA1_32:
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp)
            // RFC 4568 §6.2.2: the 32-bit tag is for SRTP only; SRTCP keeps 80 bits.
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aeadAES128GCM:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        case .aeadAES256GCM:
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp)
        }
    }
}

/// The one-time, thread-safe `srtp_init()`.
enum LibSRTP {
    /// The status `srtp_init()` returned; a Swift global `static let` runs its initializer exactly once.
    static let initialized: srtp_err_status_t = srtp_init()
}
