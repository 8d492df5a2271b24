import Foundation
import SIPWire
import Testing
import TestSupport

@testable import SIP

/// RFC 3263 server location against a real (tiny) DNS server on 127.0.0.1: SRV order, A fallback, explicit ports,
/// literals; and the DNS parser against hostile bytes.
@Suite("Locating SIP servers (RFC 3263, RFC 2782)", .serialized, .timeLimit(.minutes(1)))
struct ResolverTests {
    /// Starts the test DNS server with `records`; returns it and its port.
    static func dnsServer(_ records: [String]) throws -> ((Process, URL), Int) {
        let script = packageRoot.appendingPathComponent("Tests/SIPTests/Scripts/dns_server.py").path
        let server = try launchProgram("/usr/bin/python3", [script, "--port", "0", "--seconds", "30"] + records)
        for _ in 0..<200 {
            if let log = try? String(contentsOf: server.1, encoding: .utf8), let line = log.split(separator: "\n").first(where: { $0.hasPrefix("READY ") }),
                let port = Int(line.dropFirst(6))
            {
                return (server, port)
            }
            usleep(20_000)
        }
        _ = stopProgram(server)
        throw ResolverTestError(description: "the test DNS server did not start")
    }

    struct ResolverTestError: Error, CustomStringConvertible { var description: String }

    @Test("SRV targets in priority order, heavier first within a priority, each looked up by A (RFC 2782)")
    func serviceRecords() async throws {
        let (server, port) = try Self.dnsServer([
            "SRV _sip._udp.partner.test 20 10 5092 backup.partner.test",
            "SRV _sip._udp.partner.test 10 10 5091 light.partner.test",
            "SRV _sip._udp.partner.test 10 90 5090 heavy.partner.test",
            "A backup.partner.test 127.0.0.3", "A light.partner.test 127.0.0.2", "A heavy.partner.test 127.0.0.1",
            "A plain.test 127.0.0.9",
        ])
        defer { _ = stopProgram(server, grace: 0.3) }
        let resolver = SIPResolver(configured: ["127.0.0.1:\(port)"])
        let peers = await resolver.locate(try #require(SIPURI("sip:carl@partner.test")))
        #expect(peers.map { "\($0.host):\($0.port)" } == ["127.0.0.1:5090", "127.0.0.2:5091", "127.0.0.3:5092"])
        #expect(peers.allSatisfy { $0.transport == .udp })
        // No SRV record: the name itself on 5060; an explicit port skips SRV; a literal is used as it is.
        let plain = await resolver.locate(try #require(SIPURI("sip:x@plain.test")))
        #expect(plain.map { "\($0.host):\($0.port)" } == ["127.0.0.9:5060"])
        let ported = await resolver.locate(try #require(SIPURI("sip:x@heavy.partner.test:7000")))
        #expect(ported.map { "\($0.host):\($0.port)" } == ["127.0.0.1:7000"])
        let literal = await resolver.locate(try #require(SIPURI("sip:x@127.0.0.5:5080;transport=tcp")))
        #expect(literal.map { "\($0.host):\($0.port)" } == ["127.0.0.5:5080"] && literal.first?.transport == .tcp)
    }

    @Test("lookups that block (a DNS server that never answers, then getaddrinfo) stall neither the event loop nor the cooperative pool")
    func blockingLookupsStayOffLoops() async throws {
        let silent = try RawUDPSocket()
        var configured = SIPResolver(configured: ["127.0.0.1:\(silent.port)"])
        configured.timeoutMilliseconds = 500
        let resolver = configured
        let agent = try await TestUserAgent.start()
        let uri = try #require(SIPURI("sip:x@localhost:5070"))
        let started = Date()
        // More lookups at once than the machine has cores: each waits 2 × 500 ms for the silent server.
        let lookups = (0..<8).map { _ in Task { await resolver.locate(uri) } }
        try await Task.sleep(for: .milliseconds(100))
        var worst = 0.0
        for _ in 0..<5 {
            let t0 = Date()
            _ = await agent.agent.counters  // a hop onto the stack's event loop
            _ = await Task.detached { 1 }.value  // a job on the cooperative pool
            worst = max(worst, Date().timeIntervalSince(t0))
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(worst < 0.25, "the loop and the pool answered within \(worst) s while lookups blocked")
        for lookup in lookups {
            // No DNS answer: the system resolver (/etc/hosts) has the last word, with the name kept for TLS.
            let peers = await lookup.value
            #expect(peers.map { "\($0.host):\($0.port)" } == ["127.0.0.1:5070"])
            #expect(peers.first?.serverName == "localhost")
        }
        #expect(Date().timeIntervalSince(started) >= 1, "the lookups did wait for the silent server")
        await agent.stop()
    }

    @Test("a name in a dialog's remote target is not looked up on the event loop: the dialog keeps its peer")
    func nextHopNeverResolvesNames() async throws {
        #expect(SIPUserAgent.resolve(try #require(SIPURI("sip:x@localhost:5070")), defaultTransport: .udp) == nil)
        let literal = SIPUserAgent.resolve(try #require(SIPURI("sips:x@127.0.0.1")), defaultTransport: .udp)
        #expect(literal?.transport == .tls && literal?.port == 5061)
    }

    @Test("malformed DNS answers give nothing, never a trap (truncation, pointer loops, wrong ids)")
    func hostileAnswers() {
        let query = DNSMessage.query(id: 7, name: "_sip._udp.partner.test", type: DNSMessage.typeSRV) ?? []
        #expect(query.count > 12)
        var answer = query
        answer[2] = 0x81
        answer[3] = 0x80
        answer[7] = 1  // one answer
        answer += [0xC0, 0x0C, 0, 33, 0, 1, 0, 0, 0, 60, 0, 8, 0, 10, 0, 20, 0x13, 0xC4, 0xC0, 0x0C]
        #expect(DNSMessage.serviceRecords(in: answer, id: 7)?.first?.port == 5060)
        #expect(DNSMessage.serviceRecords(in: answer, id: 8) == nil, "another query's answer")
        for cut in 0..<answer.count { _ = DNSMessage.serviceRecords(in: Array(answer[0..<cut]), id: 7) }
        var loop = answer
        loop[loop.count - 2] = 0xC0
        loop[loop.count - 1] = UInt8(loop.count - 2)  // a pointer to itself
        #expect(DNSMessage.serviceRecords(in: loop, id: 7) == [])
        #expect(DNSMessage.query(id: 1, name: "a..b", type: 1) == nil)
        #expect(DNSMessage.query(id: 1, name: String(repeating: "x", count: 64) + ".test", type: 1) == nil)
    }
}
