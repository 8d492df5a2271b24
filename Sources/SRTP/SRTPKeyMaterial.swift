internal import COpenSSL

/// Master key || master salt, as carried in RFC 4568 `a=crypto ... inline:<base64>[|lifetime][|MKI:len]`.
///
/// RFC 4568 §6.1 grammar of the part this type reads:
/// ```
/// key-param  = "inline:" key-salt ["|" lifetime] ["|" mki-value ":" mki-length]
/// key-salt   = 1*(base64)      ; master key followed by master salt
/// lifetime   = ["2^"] 1*DIGIT  ; accepted and ignored: Consort rekeys by renegotiation
/// ```
/// Master key identifiers are rejected: Consort does not use MKI.
public struct SRTPKeyMaterial: Sendable, Equatable {
    /// The suite these bytes are for.
    public let profile: SRTPProfile
    /// `profile.masterKeyLength` bytes of master key followed by `profile.masterSaltLength` bytes of master salt.
    public let keyAndSalt: [UInt8]

    /// Wraps raw key and salt bytes; throws ``SRTPError/Code/invalidKeyLength`` unless the length fits the profile.
    public init(profile: SRTPProfile, keyAndSalt: [UInt8]) throws(SRTPError) {
        guard keyAndSalt.count == profile.keyAndSaltLength else {
            throw SRTPError(
                .invalidKeyLength,
                "\(profile.rawValue) needs \(profile.masterKeyLength) bytes of key and \(profile.masterSaltLength) of salt "
                    + "(\(profile.keyAndSaltLength) in all), not \(keyAndSalt.count)")
        }
        self.profile = profile
        self.keyAndSalt = keyAndSalt
    }

    /// Parses an RFC 4568 key parameter, with or without its `inline:` prefix.
    /// A lifetime (`2^n` or decimal) is accepted and ignored; an MKI throws ``SRTPError/Code/mkiUnsupported``.
    public init(profile: SRTPProfile, inline: String) throws(SRTPError) {
        var text = Substring(inline)
        if text.hasPrefix("inline:") { text = text.dropFirst("inline:".count) }
        let fields = text.split(separator: "|", omittingEmptySubsequences: false)
        guard let keyField = fields.first, !keyField.isEmpty else {
            throw SRTPError(.invalidKeyParameter, "the inline key parameter '\(inline)' has no key")
        }
        guard fields.count <= 3 else {
            throw SRTPError(.invalidKeyParameter, "the inline key parameter '\(inline)' has more than three '|' fields")
        }
        for (position, field) in fields.dropFirst().enumerated() {
            if field.contains(":") {
                throw SRTPError(
                    .mkiUnsupported,
                    "the inline key parameter carries a master key identifier '\(field)'; Consort does not support MKI, "
                        + "offer the key without '|MKI:length'")
            }
            guard position == 0, Self.isLifetime(field) else {
                throw SRTPError(
                    .invalidKeyParameter, "'\(field)' in '\(inline)' is neither a lifetime (2^n or decimal) nor an MKI")
            }
        }
        guard let bytes = Base64.decode(keyField) else {
            throw SRTPError(.invalidKeyParameter, "the key '\(keyField)' is not valid base64")
        }
        guard bytes.count == profile.keyAndSaltLength else {
            throw SRTPError(
                .invalidKeyLength,
                "the inline key decodes to \(bytes.count) bytes but \(profile.rawValue) needs \(profile.keyAndSaltLength) "
                    + "(\(profile.masterKeyLength) key + \(profile.masterSaltLength) salt)")
        }
        self.profile = profile
        self.keyAndSalt = bytes
    }

    /// The key parameter for an SDP `a=crypto` line: `inline:<base64>`, no lifetime, no MKI.
    public var inlineKeyParameter: String { "inline:" + Base64.encode(keyAndSalt) }

    /// Fresh key material from OpenSSL's `RAND_bytes`.
    public static func random(profile: SRTPProfile) throws(SRTPError) -> SRTPKeyMaterial {
        var bytes = [UInt8](repeating: 0, count: profile.keyAndSaltLength)
        let status = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        guard status == 1 else {
            throw SRTPError(.randomFailed, "OpenSSL RAND_bytes failed (error \(ERR_get_error())); no SRTP key can be made")
        }
        return try SRTPKeyMaterial(profile: profile, keyAndSalt: bytes)
    }

    private static func isLifetime(_ field: Substring) -> Bool {
        let digits = field.hasPrefix("2^") ? field.dropFirst(2) : field
        return !digits.isEmpty && digits.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}

extension SRTPKeyMaterial: CustomStringConvertible {
    /// The profile only: key bytes never reach logs.
    public var description: String { "SRTPKeyMaterial(\(profile.rawValue), \(keyAndSalt.count) bytes)" }
}
