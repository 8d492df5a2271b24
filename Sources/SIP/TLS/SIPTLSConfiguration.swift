import Glibc

/// Settings of SIP over TLS (RFC 3261 §26, RFC 5630), the `sip.tls` section of `Config/consort.yaml`. Off by default.
/// Relative paths are relative to the configuration file's folder (the executable resolves them).
public struct SIPTLSConfiguration: Sendable, Equatable, Codable {
    /// The lowest protocol version accepted, both as server and as client.
    public enum MinimumVersion: String, Sendable, Equatable, Codable, CaseIterable {
        case tls12 = "1.2"
        case tls13 = "1.3"
    }

    /// Listen for TLS and send to `sips:` and `;transport=tls` URIs over TLS.
    public var enabled: Bool = false
    /// The TLS port (0: one the system picks).
    public var port: Int = 5061
    /// The server certificate chain, a PEM file (leaf first).
    public var certificate: String = "sip-cert.pem"
    /// The certificate's private key, a PEM file.
    public var privateKey: String = "sip-key.pem"
    /// The lowest TLS version accepted.
    public var minimumVersion: MinimumVersion = .tls12
    /// Extra certificate authorities (a PEM file) trusted when the focus connects to a TLS server, beside the system
    /// trust store. Nil: the system trust store only.
    public var trustedCAs: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case enabled, port, certificate, privateKey, minimumVersion, trustedCAs
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SIPTLSConfiguration()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? d.port
        certificate = try c.decodeIfPresent(String.self, forKey: .certificate) ?? d.certificate
        privateKey = try c.decodeIfPresent(String.self, forKey: .privateKey) ?? d.privateKey
        if let text = try c.decodeIfPresent(String.self, forKey: .minimumVersion) {
            guard let value = MinimumVersion(rawValue: text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .minimumVersion, in: c, debugDescription: "sip.tls.minimumVersion must be \"1.2\" or \"1.3\" (not \(text))")
            }
            minimumVersion = value
        }
        trustedCAs = try c.decodeIfPresent(String.self, forKey: .trustedCAs)
    }

    /// These settings with relative file paths taken from `folder` (the configuration file's folder).
    public func resolvingPaths(relativeTo folder: String) -> SIPTLSConfiguration {
        func resolve(_ path: String) -> String {
            path.isEmpty || path.hasPrefix("/") ? path : (folder.hasSuffix("/") ? folder : folder + "/") + path
        }
        var copy = self
        copy.certificate = resolve(certificate)
        copy.privateKey = resolve(privateKey)
        copy.trustedCAs = trustedCAs.map(resolve)
        return copy
    }

    /// The first setting that cannot work, as a sentence saying what to fix, or nil. Files are checked only when TLS
    /// is on; whether they hold valid PEM is checked when the listener starts.
    public func validationProblem() -> String? {
        if !(0...65_535).contains(port) { return "sip.tls.port must be 0...65535, not \(port)" }
        guard enabled else { return nil }
        if certificate.isEmpty { return "sip.tls.certificate must name the server's certificate PEM file when sip.tls.enabled is true" }
        if privateKey.isEmpty { return "sip.tls.privateKey must name the certificate's private key PEM file when sip.tls.enabled is true" }
        for (key, path) in [("certificate", certificate), ("privateKey", privateKey), ("trustedCAs", trustedCAs ?? "")] where !path.isEmpty {
            if access(path, R_OK) != 0 { return "sip.tls.\(key): cannot read \(path) (missing file or no permission)" }
        }
        return nil
    }
}
