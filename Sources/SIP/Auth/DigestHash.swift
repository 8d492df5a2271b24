internal import COpenSSL

/// The hash functions of SIP digest authentication (RFC 3261 §22, RFC 8760): MD5 and SHA-256 through OpenSSL,
/// returned as lowercase hex. The only place SIP touches OpenSSL.
public enum DigestAlgorithm: String, Sendable, CaseIterable, Codable {
    /// MD5 (RFC 2617), still what most phones speak.
    case md5 = "MD5"
    /// SHA-256 (RFC 8760), preferred.
    case sha256 = "SHA-256"

    /// The algorithm a challenge or credentials name; `-sess` variants are not supported.
    public init?(headerValue: String?) {
        switch (headerValue ?? "MD5").uppercased() {
        case "MD5": self = .md5
        case "SHA-256": self = .sha256
        default: return nil
        }
    }

    /// Hex digest of `text` (UTF-8).
    public func hex(_ text: String) -> String {
        Self.hexString(digest(Array(text.utf8)))
    }

    /// The digest of `bytes` (16 bytes for MD5, 32 for SHA-256; empty if OpenSSL failed).
    func digest(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBufferPointer { output in
                EVP_Digest(
                    input.baseAddress, input.count, output.baseAddress, &length,
                    self == .md5 ? EVP_md5() : EVP_sha256(), nil)
            }
        }
        guard ok == 1 else { return [] }
        return Array(out.prefix(Int(min(length, 64))))
    }

    /// HMAC-SHA-256 (RFC 2104) of `message` under `key`, built on the digest above.
    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let block = 64
        var k = key.count > block ? DigestAlgorithm.sha256.digest(key) : key
        k += [UInt8](repeating: 0, count: block - k.count)
        let inner = DigestAlgorithm.sha256.digest(k.map { $0 ^ 0x36 } + message)
        return DigestAlgorithm.sha256.digest(k.map { $0 ^ 0x5C } + inner)
    }

    /// Lowercase hex of `bytes`.
    static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for b in bytes {
            text.append(digits[Int(b >> 4)])
            text.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// HA1 = H(username:realm:password).
    public func ha1(username: String, realm: String, password: String) -> String {
        hex("\(username):\(realm):\(password)")
    }

    /// The `response` of RFC 2617 §3.2.2.1 with qop=auth (or without qop when `qop` is nil).
    public func response(ha1: String, nonce: String, method: String, uri: String, qop: String?, nonceCount: String?, cnonce: String?)
        -> String
    {
        let ha2 = hex("\(method):\(uri)")
        if let qop, let nonceCount, let cnonce {
            return hex("\(ha1):\(nonce):\(nonceCount):\(cnonce):\(qop):\(ha2)")
        }
        return hex("\(ha1):\(nonce):\(ha2)")
    }
}
