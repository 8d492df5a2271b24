import Foundation
import Logging
@testable import SIP
import SIPWire
import Testing
import TestSupport

/// SIP over TLS (RFC 3261 §26, RFC 5630): the stack's TLS listener and client with a certificate the test makes with
/// openssl; a TLS connection is held to the same header timeout and limits as TCP (issue 9, "Signalling that is
/// private").
@Suite("SIP over TLS", .serialized, .timeLimit(.minutes(1)))
struct TLSTransportTests {
    static func agent(_ certificate: TestCertificate, trust: Bool = true, _ configure: (inout SIPConfiguration) -> Void = { _ in })
        async throws -> (agent: SIPUserAgent, tlsPort: Int)
    {
        var configuration = SIPConfiguration()
        configuration.address = "127.0.0.1"
        configuration.port = 0
        configuration.tls.enabled = true
        configuration.tls.port = 0
        configuration.tls.certificate = certificate.certificate
        configuration.tls.privateKey = certificate.privateKey
        if trust { configuration.tls.trustedCAs = certificate.certificate }
        configure(&configuration)
        var logger = Logger(label: "test-tls")
        logger.logLevel = .critical
        let agent = SIPUserAgent(configuration: configuration, logger: logger)
        let bound = try await agent.start()
        Task { await agent.run() }  // its handlers; returns when the agent stops
        let tls = try #require(bound.first { $0.transport == .tls })
        return (agent, tls.port)
    }

    static func options(_ client: SIPUserAgent, port: Int) async throws -> SIPResponse {
        let uri = try #require(SIPURI("sip:127.0.0.1:\(port);transport=tls"))
        return try await client.request(.options, to: uri)
    }

    @Test("OPTIONS over TLS from the stack's own client is answered 200 over the same connection; Via says TLS")
    func optionsOverTLS() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let server = try await Self.agent(certificate)
        let client = try await Self.agent(certificate)
        let response = try await Self.options(client.agent, port: server.tlsPort)
        #expect(response.statusCode == 200)
        #expect(response.headers["Via"]?.hasPrefix("SIP/2.0/TLS 127.0.0.1:\(client.tlsPort)") == true)
        #expect(await server.agent.acceptedConnections == 1)
        await client.agent.stop()
        await server.agent.stop()
    }

    @Test("a client verifies the server: a certificate no trusted CA signed is refused, nothing is sent")
    func untrustedServerRefused() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let server = try await Self.agent(certificate)
        let client = try await Self.agent(certificate, trust: false)
        let error = await #expect(throws: SIPError.self) { try await Self.options(client.agent, port: server.tlsPort) }
        #expect(error?.code == .transportFailure || error?.code == .timeout)
        #expect(await server.agent.counters.messagesReceived == 0)
        // Both ends count the failed handshake: the client as its own TLS failure, the server as a refusal.
        #expect(await client.agent.outboundTLSFailures >= 1)
        #expect((await server.agent.refusals[.tlsHandshake] ?? 0) >= 1)
        await client.agent.stop()
        await server.agent.stop()
    }

    @Test("sips: or transport=tls without sip.tls is a transport failure that says so")
    func tlsDisabled() async throws {
        let plain = try await TestUserAgent.start()
        let uri = try #require(SIPURI("sips:room@127.0.0.1:5061"))
        let error = await #expect(throws: SIPError.self) { try await plain.agent.request(.options, to: uri) }
        #expect(error?.reason.contains("sip.tls is not enabled") == true)
        await plain.stop()
    }

    @Test("garbage, a half-sent handshake and silence from 127.0.0.2 are closed by the header timeout; a TLS client still gets 200")
    func stalledPeersTimeOut() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let server = try await Self.agent(certificate) { $0.tcpHeaderTimeoutSeconds = 1 }
        let garbage = try RawTCPSocket(from: "127.0.0.2", port: server.tlsPort)
        garbage.send("OPTIONS sip:room@127.0.0.1 SIP/2.0\nVia: nonsense\n\n")
        // A TLS record header announcing a ClientHello of 512 bytes, then nothing: the handshake never finishes.
        let halfOpen = try RawTCPSocket(from: "127.0.0.2", port: server.tlsPort)
        halfOpen.send("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}")
        let silent = try RawTCPSocket(from: "127.0.0.2", port: server.tlsPort)
        // Meanwhile another client is served at once.
        let client = try await Self.agent(certificate)
        let started = Date()
        #expect(try await Self.options(client.agent, port: server.tlsPort).statusCode == 200)
        #expect(Date().timeIntervalSince(started) < 1, "the stalled connections do not hold up another client")
        #expect(await garbage.closed(within: 1), "not TLS: the handshake fails and the connection closes")
        #expect(await halfOpen.closed(within: 3), "a handshake that stalls is closed by sip.tcpHeaderTimeoutSeconds")
        #expect(await silent.closed(within: 3))
        #expect((await server.agent.refusals[.headerTimeout] ?? 0) >= 2)
        #expect((await server.agent.refusals[.tlsHandshake] ?? 0) >= 1, "the garbage's failed handshake is counted")
        await client.agent.stop()
        try await Task.sleep(for: .milliseconds(200))
        #expect(await server.agent.acceptedConnections == 0, "every TLS connection was uncounted when it closed")
        await server.agent.stop()
    }

    @Test("a certificate or key that is missing or not PEM is refused at start, naming the key to fix")
    func badFilesRefused() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        var configuration = SIPConfiguration()
        configuration.tls.enabled = true
        configuration.tls.certificate = certificate.folder.appendingPathComponent("missing.pem").path
        configuration.tls.privateKey = certificate.privateKey
        #expect(configuration.validationProblem()?.contains("sip.tls.certificate: cannot read") == true)
        configuration.tls.certificate = certificate.privateKey
        configuration.port = 0
        configuration.tls.port = 0
        configuration.address = "127.0.0.1"
        let agent = SIPUserAgent(configuration: configuration, logger: Logger(label: "test-tls"))
        let error = await #expect(throws: SIPError.self) { try await agent.start() }
        #expect(error?.reason.contains("sip.tls.certificate") == true)
        await agent.stop()
    }
}
