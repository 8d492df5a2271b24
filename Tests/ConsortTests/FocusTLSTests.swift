import Focus
import Foundation
import SIP
import SIPWire
import Testing
import TestSupport

/// Signalling that is private and reachable (issue 9): a tenant that requires TLS refuses calls and subscriptions that
/// came in the clear and takes the same call over TLS; the focus's Contact names the address a request arrived on.
@Suite("Focus: TLS and reachable addresses", .serialized, .timeLimit(.minutes(1)))
struct FocusTLSTests {
    static func secureTenant() -> FocusConfiguration {
        var focus = FocusConfiguration()
        var secure = TenantConfiguration(id: "secure")
        secure.domains = ["secure.test"]
        secure.policy.tlsRequired = true
        focus.tenants = [secure]
        return focus
    }

    static func client(_ certificate: TestCertificate, address: String = "127.0.0.1") async throws -> SIPUserAgent {
        var c = SIPConfiguration()
        c.address = address
        c.port = 0
        c.tls.enabled = true
        c.tls.port = 0
        c.tls.certificate = certificate.certificate
        c.tls.privateKey = certificate.privateKey
        c.tls.trustedCAs = certificate.certificate
        let agent = SIPUserAgent(configuration: c, logger: .init(label: "tls-caller"))
        _ = try await agent.start()
        return agent
    }

    @Test("tlsRequired: an INVITE or SUBSCRIBE over UDP gets 403 (requires TLS); the same INVITE over TLS joins, Contact says TLS")
    func tlsRequiredTenant() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let server = try await InProcessServer.start(focus: Self.secureTenant(), adjustSIP: { sip in
            sip.tls.enabled = true
            sip.tls.port = 0
            sip.tls.certificate = certificate.certificate
            sip.tls.privateKey = certificate.privateKey
        })
        let tlsPort = try #require(server.tlsPort)
        let caller = try await Self.client(certificate)
        let offer = Array(FocusHardeningTests.offer().utf8)

        let udp = try SIPPeer(transport: .udp, ipAddress: "127.0.0.1", port: server.port)
        var refusal: SIPResponse?
        do {
            _ = try await caller.invite(try #require(SIPURI("sip:room@secure.test")), body: offer, via: udp)
        } catch let error as SIPError {
            refusal = error.response
        }
        let refused = try #require(refusal, "the UDP INVITE must be refused")
        #expect(refused.statusCode == 403)
        #expect(refused.reason == "Forbidden (this meeting requires TLS (sips:))")
        let subscribe = try await caller.request(
            .subscribe, to: try #require(SIPURI("sip:room@secure.test")), headers: [("Event", "conference"), ("Expires", "60")], via: udp)
        #expect(subscribe.statusCode == 403)

        let tls = try SIPPeer(transport: .tls, ipAddress: "127.0.0.1", port: tlsPort)
        let call = try await caller.invite(try #require(SIPURI("sip:room@secure.test;transport=tls")), body: offer, via: tls)
        #expect(call.response.statusCode == 200)
        let contact = call.response.headers["Contact"] ?? ""
        #expect(contact.contains("@127.0.0.1:\(tlsPort);transport=tls"), "\(contact)")
        #expect(call.response.headers["Via"]?.hasPrefix("SIP/2.0/TLS ") == true)
        _ = try await waitForConference(server, tenant: "secure", id: "room", participants: 1)
        #expect(try await call.dialog.bye().statusCode == 200, "BYE over the TLS connection")
        await caller.stop()
        await server.stop()
    }

    @Test("baresip calls a tlsRequired meeting over TLS (sip:room@127.0.0.1;transport=tls) with SDES-SRTP, trusting the test's certificate")
    func baresipOverTLS() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        var focus = FocusConfiguration()
        var open = TenantConfiguration(id: "default")
        open.policy.tlsRequired = true
        focus.tenants = [open]
        let server = try await InProcessServer.start(focus: focus, adjustSIP: { sip in
            sip.tls.enabled = true
            sip.tls.port = 0
            sip.tls.certificate = certificate.certificate
            sip.tls.privateKey = certificate.privateKey
        })
        let tlsPort = try #require(server.tlsPort)
        let recording = certificate.folder.appendingPathComponent("phone.wav")
        let phone = try BaresipInstance(
            user: "tlsphone", tone: 440, srtp: true, recording: recording,
            tls: (caFile: certificate.certificate, certificate: certificate.combined))
        defer { phone.stop() }
        try phone.dial("sip:room@127.0.0.1:\(tlsPort);transport=tls")
        _ = try phone.waitUntilEstablished(timeout: 10)
        let conference = try await waitForConference(server, tenant: "default", id: "room", participants: 1)
        #expect(await conference.roster.count == 1)
        #expect(phone.srtpEnabled, "SDES keys travelled inside TLS")
        try phone.hangup()
        #expect(phone.waitUntilClosed(timeout: 5))
        phone.stop()
        await server.stop()
    }

    @Test("consort serve with sip.tls on (relative PEM paths): answers OPTIONS and an INVITE over TLS, Contact on its TLS port")
    func serveWithTLS() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let port = freePort()
        var tlsPort = freePort()
        while tlsPort == port { tlsPort = freePort() }
        let config = certificate.folder.appendingPathComponent("consort.yaml")
        try """
            sip:
              tls: { enabled: true, port: \(tlsPort), certificate: cert.pem, privateKey: key.pem }
            focus:
              database: \(certificate.folder.appendingPathComponent("focus.sqlite").path)
              promptDirectory: \(packageRoot.appendingPathComponent("Config/prompts").path)
            """.write(to: config, atomically: true, encoding: .utf8)
        let server = try launchProgram(
            consortBinary,
            ["serve", "--config", config.path, "--sip-address", "127.0.0.1", "--sip-port", "\(port)",
             "--rtp-ports", "\(port + 10)-\(port + 200)", "--admin-port", "0", "--log-level", "info"])
        for _ in 0..<200 {
            if let log = try? String(contentsOf: server.1, encoding: .utf8), log.contains("transport=TLS") { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        let caller = try await Self.client(certificate)
        let options = try await caller.request(.options, to: try #require(SIPURI("sip:127.0.0.1:\(tlsPort);transport=tls")))
        #expect(options.statusCode == 200)
        let tls = try SIPPeer(transport: .tls, ipAddress: "127.0.0.1", port: tlsPort)
        let call = try await caller.invite(
            try #require(SIPURI("sip:room@127.0.0.1:\(tlsPort);transport=tls")), body: Array(FocusHardeningTests.offer().utf8), via: tls)
        let contact = call.response.headers["Contact"] ?? ""
        #expect(contact.contains("@127.0.0.1:\(tlsPort);transport=tls"), "\(contact)")
        _ = try? await call.dialog.bye()
        await caller.stop()
        let stopped = stopProgram(server)
        #expect(stopped.status == 0, "\(stopped.output.suffix(800))")
        #expect(stopped.output.contains("transport=TLS"), "serve logs the TLS listener")
    }

    @Test("listening on 0.0.0.0, an INVITE that arrives on 127.0.0.2 is answered with Contact 127.0.0.2, not 127.0.0.1")
    func contactNamesTheArrivalAddress() async throws {
        let server = try await InProcessServer.start(adjustSIP: { $0.address = "0.0.0.0" })
        var c = SIPConfiguration()
        c.address = "127.0.0.3"
        c.port = 0
        let caller = SIPUserAgent(configuration: c, logger: .init(label: "far-caller"))
        _ = try await caller.start()
        let peer = try SIPPeer(transport: .udp, ipAddress: "127.0.0.2", port: server.port)
        let call = try await caller.invite(
            try #require(SIPURI("sip:room@127.0.0.2:\(server.port)")), body: Array(FocusHardeningTests.offer(address: "127.0.0.3").utf8),
            via: peer)
        let contact = call.response.headers["Contact"] ?? ""
        #expect(contact.contains("@127.0.0.2:\(server.port)"), "\(contact)")
        #expect(!contact.contains("127.0.0.1"), "\(contact)")
        let sdp = String(decoding: call.response.body, as: UTF8.self)
        #expect(sdp.contains("c=IN IP4 127.0.0.2"), "media on the address the call arrived on too")
        // The focus ends the call: its BYE's Via names 127.0.0.2 too, so the answer comes back there.
        let (byes, received) = AsyncStream.makeStream(of: String.self)
        await caller.setHandler(.bye) { incoming in
            received.yield(incoming.request.headers["Via"] ?? "")
            await incoming.respond(200)
        }
        _ = try await waitForConference(server, tenant: "default", id: "room", participants: 1)
        await server.focus.endAll(within: 2)
        let via = await withTaskGroup(of: String?.self) { group in
            group.addTask { await byes.first { _ in true } }
            group.addTask {
                try? await Task.sleep(for: .seconds(5))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? "no BYE within 5 s"
        }
        #expect(via.hasPrefix("SIP/2.0/UDP 127.0.0.2:\(server.port)"), "\(via)")
        await caller.stop()
        await server.stop()
    }
}
