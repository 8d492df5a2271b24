import Focus
import Foundation
import SIP
import SIPWire
import Synchronization
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
        try await phone(certificate, address: address).agent
    }

    /// A test phone with TLS (trusting the test's certificate) and the ports it listens on.
    static func phone(_ certificate: TestCertificate, address: String = "127.0.0.1", label: String = "tls-caller") async throws
        -> (agent: SIPUserAgent, peers: [SIPPeer])
    {
        var c = SIPConfiguration()
        c.address = address
        c.port = 0
        c.requestsPerSecondPerSource = 0  // a phone has no per-source limit of its own
        c.tls.enabled = true
        c.tls.port = 0
        c.tls.certificate = certificate.certificate
        c.tls.privateKey = certificate.privateKey
        c.tls.trustedCAs = certificate.certificate
        let agent = SIPUserAgent(configuration: c, logger: .init(label: label))
        let peers = try await agent.start()
        Task { await agent.run() }  // its handlers; returns when the agent stops
        return (agent, peers)
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

    /// A phone's answer to the MCU's SDES offer: PCMU over RTP/SAVP with a key of its own for AES_CM_128_HMAC_SHA1_80.
    static func srtpAnswer(to offer: String, port: Int) -> String? {
        guard let line = offer.split(separator: "\r\n").first(where: { $0.hasPrefix("a=crypto:") && $0.contains(" AES_CM_128_HMAC_SHA1_80 ") }) else { return nil }
        let parts = line.dropFirst("a=crypto:".count).split(separator: " ")
        guard parts.count >= 2 else { return nil }
        let key = Data((0..<30).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        return "v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio \(port) RTP/SAVP 0\r\n"
            + "a=rtpmap:0 PCMU/8000\r\na=crypto:\(parts[0]) \(parts[1]) inline:\(key)\r\na=sendrecv\r\n"
    }

    @Test("dial-out from a tlsRequired meeting: the INVITE and the BYE go over TLS with SDES; a target reached in the clear is refused")
    func dialOutOverTLS() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        var focus = Self.secureTenant()
        focus.tenants[0].dialOut.allowedNetworks = ["127.0.0.0/8"]
        focus.tenants[0].policy.plainRTPAllowed = false  // the MCU offers SDES only
        let server = try await InProcessServer.start(focus: focus, adjustSIP: { sip in
            sip.tls.enabled = true
            sip.tls.port = 0
            sip.tls.certificate = certificate.certificate
            sip.tls.privateKey = certificate.privateKey
            sip.tls.trustedCAs = certificate.certificate  // the focus verifies the phone's certificate
        })
        let (callee, peers) = try await Self.phone(certificate, label: "tls-callee")
        let tlsPort = try #require(peers.first { $0.transport == .tls }?.address.port)
        let udpPort = try #require(peers.first { $0.transport == .udp }?.address.port)
        let seen = Mutex<[String]>([])
        let record: @Sendable (String) -> Void = { line in seen.withLock { $0.append(line) } }
        let mediaPort = freePort(udpAndTCP: false)
        await callee.setHandler(.invite) { incoming in
            record("INVITE over \(incoming.peer.transport)")
            let offer = String(decoding: incoming.request.body, as: UTF8.self)
            guard let answer = Self.srtpAnswer(to: offer, port: mediaPort) else {
                await incoming.respond(488)
                return
            }
            await incoming.respond(200, body: Array(answer.utf8), contentType: "application/sdp")
        }
        await callee.setHandler(.bye) { incoming in
            record("BYE over \(incoming.peer.transport)")
            await incoming.respond(200)
        }
        let conference = try server.focus.conference(tenant: "secure", id: "room")
        let clear = await #expect(throws: ControlError.self) {
            _ = try await server.focus.dialOut(conference, to: "sip:callee@127.0.0.1:\(udpPort)", requestedBy: "test")
        }
        #expect(clear?.code == .forbidden && clear?.reason.contains("requires TLS") == true, "\(String(describing: clear))")
        let endpoint = try await server.focus.dialOut(conference, to: "sip:callee@127.0.0.1:\(tlsPort);transport=tls", requestedBy: "test")
        var status: ParticipantStatus?
        for _ in 0..<300 {
            status = await conference.roster.first { $0.endpoint == endpoint }?.status
            if status == .connected { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        let entry = await conference.roster.first { $0.endpoint == endpoint }
        let media = entry?.media.first
        await server.focus.end(conference)
        for _ in 0..<500 where !seen.withLock({ $0.contains { $0.hasPrefix("BYE") } }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        let transcript = seen.withLock { $0 }
        await callee.stop()
        await server.stop()
        #expect(status == .connected, "\(String(describing: entry?.reason))")
        #expect(media?.cryptoSuite != nil, "SDES-SRTP negotiated: \(String(describing: media))")
        #expect(transcript == ["INVITE over tls", "BYE over tls"], "\(transcript)")
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
            if let log = try? String(contentsOf: server.1, encoding: .utf8), log.contains("accepting calls") { break }
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
        Task { await caller.run() }
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
