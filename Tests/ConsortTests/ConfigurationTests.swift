import AudioMixer
import Focus
import Foundation
import OpusCodec
import Testing
import TestSupport
import Yams

@testable import consort

@Suite("Configuration")
struct ConfigurationTests {
    @Test("the shipped Config/consort.yaml decodes completely, every key known, to the documented defaults")
    func shippedFileDecodes() throws {
        let path = packageRoot.appendingPathComponent("Config/consort.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let configuration = try ConsortConfiguration.load(path: path)
        #expect(try ConsortConfiguration.unknownKeys(in: text, known: configuration).isEmpty)
        // The shipped file states the defaults, plus the demo tenants and the demo operator token.
        var expected = ConsortConfiguration()
        expected.focus.tenants = configuration.focus.tenants
        expected.admin.operatorTokens = ["operator-demo-token"]
        #expect(configuration == expected)
        #expect(configuration.focus.tenants.map(\.id) == ["default", "contoso", "fabrikam"])
        #expect(configuration.focus.tenants[0].policy == MeetingPolicy(), "the default tenant keeps the default policy")
        #expect(configuration.focus.tenants.allSatisfy { !$0.meetings.isEmpty || $0.id == "default" })
        // Every setting the types know appears in the file, so the file documents them all.
        let undocumented = try ConsortConfiguration.keys(
            of: try YAMLEncoder().encode(ConsortConfiguration()), missingFrom: text)
        #expect(undocumented.isEmpty, "settings missing from Config/consort.yaml: \(undocumented)")
        for key in ["bitrate", "complexity", "inbandFEC", "dtx", "speakers", "minDelayMilliseconds", "maxDelayMilliseconds"] {
            #expect(text.contains("\(key):"), "Config/consort.yaml documents \(key)")
        }
    }

    @Test("values in the file override the defaults")
    func overrides() throws {
        let c = try ConsortConfiguration.parse(
            """
            media:
              opus: { bitrate: 24000, dtx: true }
              mixer: { speakers: 4, jitterBuffer: { maxDelayMilliseconds: 300 } }
            """, source: "test")
        #expect(c.media.opus.bitrate == 24_000 && c.media.opus.dtx && c.media.opus.complexity == 5)
        #expect(c.media.mixer.speakers == 4 && c.media.mixer.jitterBuffer.maxDelayMilliseconds == 300)
    }

    @Test("a typo is an error that names the key")
    func unknownKey() {
        let error = #expect(throws: ConfigurationError.self) {
            try ConsortConfiguration.parse("media:\n  mixer:\n    speakrs: 4\n", source: "typo.yaml")
        }
        #expect(error?.description.contains("media.mixer.speakrs") == true)
    }

    @Test("an impossible value is an error that says what is allowed")
    func badValue() {
        let error = #expect(throws: ConfigurationError.self) {
            try ConsortConfiguration.parse("media:\n  opus:\n    complexity: 12\n", source: "bad.yaml")
        }
        #expect(error?.description.contains("complexity must be 0...10") == true)
        let typeError = #expect(throws: ConfigurationError.self) {
            try ConsortConfiguration.parse("media:\n  mixer:\n    speakers: many\n", source: "bad.yaml")
        }
        #expect(typeError?.description.contains("media.mixer.speakers") == true)
    }

    @Test("media source trust: its keys decode with documented defaults and are checked; allowPlainRTPAddressChange is gone")
    func mediaSourceTrustKeys() throws {
        let defaults = try ConsortConfiguration.parse("media: {}\n", source: "test").media.mcu
        #expect(defaults.probationPackets == 4 && defaults.unverifiedSendSeconds == 5 && defaults.holdTimeoutSeconds == 300)
        #expect(defaults.maxTenantPortShare == 0.5 && defaults.mediaTimeoutSeconds == 30)
        let set = try ConsortConfiguration.parse(
            "media:\n  probationPackets: 6\n  unverifiedSendSeconds: 0\n  holdTimeoutSeconds: 0\n  maxTenantPortShare: 1\n", source: "test")
        #expect(set.media.mcu.probationPackets == 6 && set.media.mcu.unverifiedSendSeconds == 0)
        #expect(set.media.mcu.holdTimeoutSeconds == 0 && set.media.mcu.maxTenantPortShare == 1)
        for (yaml, key) in [
            ("maxTenantPortShare: 0", "maxTenantPortShare"), ("maxTenantPortShare: 1.5", "maxTenantPortShare"),
            ("probationPackets: 0", "probationPackets"), ("unverifiedSendSeconds: -1", "unverifiedSendSeconds"),
            ("holdTimeoutSeconds: -5", "holdTimeoutSeconds"), ("allowPlainRTPAddressChange: true", "media.allowPlainRTPAddressChange"),
        ] {
            let error = #expect(throws: ConfigurationError.self) { try ConsortConfiguration.parse("media:\n  \(yaml)\n", source: "bad.yaml") }
            #expect(error?.description.contains(key) == true, "\(String(describing: error))")
        }
    }

    @Test("sip.trustedSources takes CIDR blocks; anything else is refused; serve --trusted-source adds to them")
    func trustedSources() throws {
        let c = try ConsortConfiguration.parse("sip:\n  trustedSources: [192.0.2.0/24, \"2001:db8::/32\"]\n", source: "test")
        #expect(c.sip.trustedSources == ["192.0.2.0/24", "2001:db8::/32"])
        let error = #expect(throws: (any Error).self) {
            let bad = try ConsortConfiguration.parse("sip:\n  trustedSources: [192.0.2.0/33]\n", source: "bad.yaml")
            if let problem = bad.validationProblem() { throw ConfigurationError(problem) }
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("192.0.2.0/33"))
        let serve = try #require(try ServeCommand.parseAsRoot(["--trusted-source", "10.0.0.0/8", "--trusted-source", "::1"]) as? ServeCommand)
        #expect(serve.trustedSources == ["10.0.0.0/8", "::1"])
        #expect(ConsortConfiguration().sip.trustedSources.isEmpty, "nothing is trusted by default, loopback neither")
    }

    @Test("sip.tls, sip.advertisedAddress and tlsRequired: documented defaults, paths from the file's folder, errors that say what to fix")
    func tlsKeys() throws {
        let defaults = try ConsortConfiguration.parse("sip: {}\n", source: "test").sip
        #expect(!defaults.tls.enabled && defaults.tls.port == 5061 && defaults.tls.minimumVersion == .tls12)
        #expect(defaults.tls.trustedCAs == nil && defaults.advertisedAddress == nil)
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let file = certificate.folder.appendingPathComponent("consort.yaml")
        func load(_ yaml: String) throws -> ConsortConfiguration {
            try yaml.write(to: file, atomically: true, encoding: .utf8)
            return try ConsortConfiguration.load(path: file.path)
        }
        let on = try load("""
            sip:
              advertisedAddress: sip.example.net
              tls: { enabled: true, port: 5071, certificate: cert.pem, privateKey: key.pem, minimumVersion: "1.3", trustedCAs: cert.pem }
            focus:
              tenants:
                - id: default
                  policy: { tlsRequired: true }
            """)
        #expect(on.sip.tls.certificate == certificate.certificate && on.sip.tls.privateKey == certificate.privateKey)
        #expect(on.sip.tls.trustedCAs == certificate.certificate && on.sip.tls.minimumVersion == .tls13 && on.sip.tls.port == 5071)
        #expect(on.sip.advertisedAddress == "sip.example.net")
        #expect(on.focus.tenants.first?.policy.tlsRequired == true)
        for (yaml, says) in [
            ("tls: { enabled: true, certificate: cert.pem, privateKey: nokey.pem }", "sip.tls.privateKey: cannot read"),
            ("tls: { enabled: true, certificate: cert.pem, privateKey: key.pem, minimumVersion: \"1.1\" }", "minimumVersion"),
            ("tls: { enabled: true, port: 5060, certificate: cert.pem, privateKey: key.pem }", "sip.tls.port (5060) must differ"),
            ("advertisedAddress: \"a b\"", "sip.advertisedAddress"),
        ] {
            let error = #expect(throws: ConfigurationError.self) { try load("sip:\n  \(yaml)\n") }
            #expect(error?.description.contains(says) == true, "\(String(describing: error))")
        }
    }

    @Test("a typo inside a tenant is an error that names the key")
    func unknownKeyInTenant() {
        let error = #expect(throws: ConfigurationError.self) {
            try ConsortConfiguration.parse(
                "focus:\n  tenants:\n    - id: a\n      policy: { anonymusJoin: false }\n", source: "typo.yaml")
        }
        #expect(error?.description.contains("focus.tenants[0].policy.anonymusJoin") == true)
    }

    @Test("tenant mistakes are errors that say what is wrong")
    func tenantProblems() {
        let cases: [(String, String)] = [
            ("focus:\n  tenants:\n    - { id: a, domains: [x.example] }\n    - { id: b, domains: [x.example] }\n", "domain x.example belongs to both a and b"),
            ("focus:\n  tenants:\n    - { id: a, users: [{ name: u }] }\n", "user u needs a password"),
            ("focus:\n  tenants:\n    - { id: a, meetings: [{ id: m, organizer: nobody }] }\n", "organizer nobody is not a user"),
            ("focus:\n  tenants:\n    - { id: a, meetings: [{ id: m, presenters: [bobby] }] }\n", "presenter bobby is not a user"),
            ("focus:\n  tenants:\n    - { id: a, policy: { lobby: sometimes } }\n", "lobby must be off, anonymous or attendees"),
            ("sip:\n  tcp: 5\n", "sip.tcp: expected true or false"),
            ("focus:\n  tenants:\n    - { id: a, meetings: [{ id: m, passcode: 12ab }] }\n", "a passcode is digits only"),
            ("focus:\n  tenants:\n    - { id: 'a b' }\n", "an id is letters"),
        ]
        for (yaml, message) in cases {
            let error = #expect(throws: ConfigurationError.self) { try ConsortConfiguration.parse(yaml, source: "t.yaml") }
            #expect(error?.description.contains(message) == true, "\(error?.description ?? "no error") should say \(message)")
        }
    }

    @Test("a missing file is an error that names it")
    func missingFile() {
        let error = #expect(throws: ConfigurationError.self) { try ConsortConfiguration.load(path: "/nonexistent/consort.yaml") }
        #expect(error?.description.contains("/nonexistent/consort.yaml") == true)
    }
}

extension ConfigurationTests {
    @Test("pool.tls: all three files or none; relative paths are taken from the file's folder; an unreadable file is named")
    func poolTLS() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-pooltls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["cert.pem", "key.pem", "ca.pem"] { try "x".write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let file = folder.appendingPathComponent("consort.yaml")
        try "pool:\n  tls:\n    certificate: cert.pem\n    privateKey: key.pem\n    trustedCAs: ca.pem\n".write(to: file, atomically: true, encoding: .utf8)
        let tls = try #require(try ConsortConfiguration.load(path: file.path).pool.tls.control)
        #expect(tls.certificateChain == folder.appendingPathComponent("cert.pem").path && tls.trustedCAs == folder.appendingPathComponent("ca.pem").path)
        let partial = #expect(throws: ConfigurationError.self) {
            try ConsortConfiguration.parse("pool:\n  tls:\n    certificate: cert.pem\n", source: "t.yaml", folder: folder.path)
        }
        #expect("\(partial.map { "\($0)" } ?? "")".contains("pool.tls.privateKey is empty"), "\(String(describing: partial))")
        let missing = #expect(throws: ConfigurationError.self) {
            try ConsortConfiguration.parse(
                "pool:\n  tls:\n    certificate: cert.pem\n    privateKey: key.pem\n    trustedCAs: nowhere.pem\n", source: "t.yaml", folder: folder.path)
        }
        #expect("\(missing.map { "\($0)" } ?? "")".contains("pool.tls.trustedCAs: cannot read"), "\(String(describing: missing))")
        #expect(try ConsortConfiguration.parse("pool:\n  enabled: false\n", source: "t.yaml").pool.tls.control == nil)
    }
}
