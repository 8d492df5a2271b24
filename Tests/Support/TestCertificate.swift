public import Foundation

/// A self-signed certificate and key that a test makes with `openssl` for 127.0.0.1 (CN and an IP subjectAltName), in
/// a fresh temporary folder, so TLS clients that verify the server can be told to trust exactly it.
public struct TestCertificate: Sendable {
    public let folder: URL
    /// The certificate, PEM (also the CA file to trust: it is self-signed).
    public let certificate: String
    /// The private key, PEM.
    public let privateKey: String
    /// The certificate and key in one PEM file (what baresip's `sip_certificate` wants).
    public let combined: String

    /// Makes the pair; throws when `openssl` is missing or fails.
    public static func make(commonName: String = "127.0.0.1") throws -> TestCertificate {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cert = folder.appendingPathComponent("cert.pem").path
        let key = folder.appendingPathComponent("key.pem").path
        guard let openssl = tool("openssl") else { throw CocoaError(.executableNotLoadable) }
        let result = try runProgram(
            openssl,
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=\(commonName)",
             "-addext", "subjectAltName=IP:\(commonName)", "-keyout", key, "-out", cert],
            timeout: 30)
        guard result.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["output": result.output]) }
        let combined = folder.appendingPathComponent("combined.pem").path
        let text = try String(contentsOfFile: cert, encoding: .utf8) + String(contentsOfFile: key, encoding: .utf8)
        try text.write(toFile: combined, atomically: true, encoding: .utf8)
        return TestCertificate(folder: folder, certificate: cert, privateKey: key, combined: combined)
    }

    /// Removes the folder.
    public func remove() { try? FileManager.default.removeItem(at: folder) }
}
