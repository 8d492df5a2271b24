/// An SRTP protection profile (crypto suite) as named in SDP `a=crypto` (RFC 4568 §6.2, RFC 7714 §14.2).
///
/// Raw values are the SDES suite names, so the enum decodes straight from configuration and SDP.
public enum SRTPProfile: String, CaseIterable, Sendable, Codable {
    /// AES counter mode, 128-bit key, 80-bit HMAC-SHA1 tag (RFC 3711, RFC 4568 §6.2.1). The mandatory default.
    case aesCM128HMACSHA1_80 = "AES_CM_128_HMAC_SHA1_80"
    /// AES counter mode, 128-bit key, 32-bit HMAC-SHA1 tag on SRTP; SRTCP keeps the 80-bit tag (RFC 4568 §6.2.2).
    case aesCM128HMACSHA1_32 = "AES_CM_128_HMAC_SHA1_32"
    /// AES-GCM AEAD, 128-bit key, 16-byte tag (RFC 7714).
    case aeadAES128GCM = "AEAD_AES_128_GCM"
    /// AES-GCM AEAD, 256-bit key, 16-byte tag (RFC 7714).
    case aeadAES256GCM = "AEAD_AES_256_GCM"

    /// Bytes of master key: 16, or 32 for AES-256.
    public var masterKeyLength: Int {
        switch self {
        case .aesCM128HMACSHA1_80, .aesCM128HMACSHA1_32, .aeadAES128GCM: 16
        case .aeadAES256GCM: 32
        }
    }

    /// Bytes of master salt: 14 for AES-CM (RFC 3711), 12 for AES-GCM (RFC 7714 §12).
    public var masterSaltLength: Int {
        switch self {
        case .aesCM128HMACSHA1_80, .aesCM128HMACSHA1_32: 14
        case .aeadAES128GCM, .aeadAES256GCM: 12
        }
    }

    /// Bytes of master key followed by master salt, as carried in `inline:` key parameters.
    public var keyAndSaltLength: Int { masterKeyLength + masterSaltLength }

    /// The most bytes protecting an RTP packet adds: the authentication tag (no MKI in Consort).
    public var rtpOverhead: Int {
        switch self {
        case .aesCM128HMACSHA1_80: 10
        case .aesCM128HMACSHA1_32: 4
        case .aeadAES128GCM, .aeadAES256GCM: 16
        }
    }

    /// The most bytes protecting an RTCP packet adds: the tag plus the 4-byte E flag and SRTCP index (RFC 3711 §3.4).
    /// The 32-bit profile still uses an 80-bit tag on SRTCP.
    public var rtcpOverhead: Int {
        switch self {
        case .aesCM128HMACSHA1_80, .aesCM128HMACSHA1_32: 10 + 4
        case .aeadAES128GCM, .aeadAES256GCM: 16 + 4
        }
    }

    /// Rank for choosing "the strongest suite both sides support": higher is stronger.
    /// AEAD_AES_256_GCM > AEAD_AES_128_GCM > AES_CM_128_HMAC_SHA1_80 > AES_CM_128_HMAC_SHA1_32.
    public var strength: Int {
        switch self {
        case .aeadAES256GCM: 4
        case .aeadAES128GCM: 3
        case .aesCM128HMACSHA1_80: 2
        case .aesCM128HMACSHA1_32: 1
        }
    }

    /// Whether the profile is an AEAD (AES-GCM) suite.
    public var isAEAD: Bool { self == .aeadAES128GCM || self == .aeadAES256GCM }
}
