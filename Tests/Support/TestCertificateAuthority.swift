public import Foundation
import Testing

/// A private certificate authority made with openssl for a test: `ca.pem`, and per name `NAME.pem` + `NAME-key.pem`,
/// signed by the CA (for 127.0.0.1) or, for an impostor, by itself. ``remove()`` deletes the folder.
public struct TestCertificateAuthority: Sendable {
    public let folder: URL

    /// The certificate of `name` (`ca` for the authority's own).
    public func certificate(_ name: String) -> String { folder.appendingPathComponent("\(name).pem").path }
    public func privateKey(_ name: String) -> String { folder.appendingPathComponent("\(name)-key.pem").path }
    public func remove() { try? FileManager.default.removeItem(at: folder) }

    public static func make(signed: [String], selfSigned: [String] = []) throws -> TestCertificateAuthority {
        let openssl = try #require(tool("openssl"), "openssl is missing: make deps installs it")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-ca-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func run(_ arguments: [String]) throws {
            let result = try runProgram(openssl, arguments, timeout: 30, directory: folder)
            try #require(result.status == 0, "openssl \(arguments.joined(separator: " ")): \(result.output)")
        }
        try "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\n".write(
            to: folder.appendingPathComponent("leaf.ext"), atomically: true, encoding: .utf8)
        try run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=consort-test-ca", "-keyout", "ca-key.pem", "-out", "ca.pem"])
        for name in signed {
            try run(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=\(name)", "-keyout", "\(name)-key.pem", "-out", "\(name).csr"])
            try run([
                "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-days", "1",
                "-extfile", "leaf.ext", "-out", "\(name).pem",
            ])
        }
        for name in selfSigned {
            try run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=\(name)", "-keyout", "\(name)-key.pem", "-out", "\(name).pem"])
        }
        return TestCertificateAuthority(folder: folder)
    }
}
