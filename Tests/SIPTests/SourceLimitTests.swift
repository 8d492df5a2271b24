import Foundation
import Logging
@testable import SIP
import SIPWire
import Testing
import TestSupport

/// Per-source limits (issue 9 §4): a pike-like request rate per source IP, TCP connections per source and in total,
/// header and idle timeouts, trusted sources exempt from the per-source limits. Each test plays the attacker from
/// another loopback address (127.0.0.2 and up stand for other hosts).
@Suite("Per-source limits", .serialized, .timeLimit(.minutes(1)))
struct SourceLimitTests {
    static func agent(_ configure: (inout SIPConfiguration) -> Void) async throws -> TestUserAgent {
        var configuration = SIPConfiguration()
        configuration.address = "127.0.0.1"
        configuration.port = 0
        configure(&configuration)
        var logger = Logger(label: "test-ua")
        logger.logLevel = .critical
        let agent = SIPUserAgent(configuration: configuration, logger: logger)
        let bound = try await agent.start()
        Task { await agent.run() }  // its handlers; returns when the agent stops
        return TestUserAgent(agent: agent, port: bound.first?.port ?? 0)
    }

    static func options(_ n: Int, from socket: RawUDPSocket, host: String, port: Int) -> String {
        """
        OPTIONS sip:room1@127.0.0.1:\(port) SIP/2.0
        Via: SIP/2.0/UDP \(host):\(socket.port);branch=z9hG4bK-limit-\(host)-\(n);rport
        Max-Forwards: 70
        From: <sip:probe@\(host)>;tag=t\(n)
        To: <sip:room1@127.0.0.1>
        Call-ID: limit-\(n)@\(host)
        CSeq: 1 OPTIONS
        Contact: <sip:probe@\(host):\(socket.port)>
        User-Agent: a flood with some padding to look like a real phone's request
        Content-Length: 0


        """
    }

    @Test("token bucket: a burst, then the rate; a few answered refusals per episode, then silence; the table stays bounded")
    func bucket() {
        var limiter = SourceRateLimiter(ratePerSecond: 5, burst: 10, capacity: 16)
        let key = SourceRateLimiter.Key(high: 0, low: 1)
        let second: UInt64 = 1_000_000_000
        var verdicts: [SourceRateLimiter.Verdict] = []
        for _ in 0..<20 { verdicts.append(limiter.admit(key, now: 100 * second)) }
        #expect(verdicts.prefix(10).allSatisfy { $0 == .admit })
        #expect(Array(verdicts[10..<13]) == [.refuseAndAnswer, .refuseAndAnswer, .refuseAndAnswer])
        #expect(verdicts.suffix(7).allSatisfy { $0 == .refuseSilently })
        var later: [SourceRateLimiter.Verdict] = []
        for _ in 0..<6 { later.append(limiter.admit(key, now: 101 * second)) }
        #expect(later.prefix(5).allSatisfy { $0 == .admit } && later[5] == .refuseSilently, "5 tokens a second")
        for i in 0..<1_000 { _ = limiter.admit(.init(high: 0, low: UInt64(2 + i)), now: 102 * second) }
        #expect(limiter.count <= 16)
        var fresh = SourceRateLimiter(ratePerSecond: 5, burst: 10, capacity: 16)
        _ = fresh.admit(key, now: 100 * second)
        let first = fresh.shouldLog(key, now: 100 * second)
        let soon = fresh.shouldLog(key, now: 130 * second)
        let minuteLater = fresh.shouldLog(key, now: 161 * second)
        #expect(first && !soon && minuteLater, "one notice a minute per source")
    }

    @Test("a source over its rate gets a few 503 + Retry-After, never more bytes than it sent; another source is still served")
    func requestRate() async throws {
        let ua = try await Self.agent {
            $0.requestsPerSecondPerSource = 10
            $0.requestBurstPerSource = 20
            $0.tcp = false
        }
        let flood = try RawUDPSocket(address: "127.0.0.2")
        for n in 0..<300 { flood.send(Self.options(n, from: flood, host: "127.0.0.2", port: ua.port), port: ua.port) }
        let answers = await flood.drain(seconds: 1)
        let ok = answers.filter { statusCode(of: $0) == 200 }.count
        let refused = answers.filter { statusCode(of: $0) == 503 }
        #expect(ok >= 20 && ok <= 32, "the burst and what the rate refilled meanwhile: \(ok)")
        #expect(refused.count >= 1 && refused.count <= 3, "a few answered refusals, then silence: \(refused.count)")
        #expect(refused.allSatisfy { headerValue("Retry-After", in: $0) != nil })
        #expect(flood.bytesReceived <= flood.bytesSent, "\(flood.bytesReceived) bytes back for \(flood.bytesSent)")
        let other = try RawUDPSocket(address: "127.0.0.3")
        other.send(Self.options(1, from: other, host: "127.0.0.3", port: ua.port), port: ua.port)
        #expect(await other.receive(timeout: 2).flatMap(statusCode) == 200, "another source is not limited by the flood")
        #expect((await ua.agent.refusals[.rateLimit] ?? 0) >= 250)
        await ua.stop()
    }

    @Test("a trusted source (CIDR) is exempt from the request rate")
    func trustedSource() async throws {
        let ua = try await Self.agent {
            $0.requestsPerSecondPerSource = 10
            $0.requestBurstPerSource = 20
            $0.trustedSources = ["127.0.0.4/31"]
            $0.tcp = false
        }
        let trusted = try RawUDPSocket(address: "127.0.0.5")
        for n in 0..<100 {
            trusted.send(Self.options(n, from: trusted, host: "127.0.0.5", port: ua.port), port: ua.port)
            if n % 20 == 19 { try await Task.sleep(for: .milliseconds(20)) }
        }
        let answers = await trusted.drain(seconds: 1)
        #expect(answers.filter { statusCode(of: $0) == 200 }.count == 100)
        #expect(await ua.agent.refusals[.rateLimit] == nil)
        await ua.stop()
    }

    @Test("TCP: connections per source are capped (other sources still connect); half a message and silence time out")
    func tcpLimits() async throws {
        let ua = try await Self.agent {
            $0.tcpConnectionsPerSource = 3
            $0.tcpConnectionsTotal = 5
            $0.tcpHeaderTimeoutSeconds = 1
            $0.tcpIdleTimeoutSeconds = 2
        }
        // Three from 127.0.0.2 are held; the fourth is closed at once.
        let held = try (0..<3).map { _ in try RawTCPSocket(from: "127.0.0.2", port: ua.port) }
        try await Task.sleep(for: .milliseconds(100))
        let fourth = try RawTCPSocket(from: "127.0.0.2", port: ua.port)
        #expect(await fourth.closed(within: 0.5), "the fourth connection from one source is closed")
        // Another source still connects, and a complete request is answered.
        let other = try RawTCPSocket(from: "127.0.0.3", port: ua.port)
        other.send("OPTIONS sip:room1@127.0.0.1 SIP/2.0\nVia: SIP/2.0/TCP 127.0.0.3:5060;branch=z9hG4bK-tcp-1\nFrom: <sip:a@127.0.0.3>;tag=a\nTo: <sip:room1@127.0.0.1>\nCall-ID: tcp-1@test\nCSeq: 1 OPTIONS\nMax-Forwards: 70\nContent-Length: 0\n\n")
        #expect(await other.received(timeout: 2)?.hasPrefix("SIP/2.0 200") == true)
        // The total: 3 + 1 = 4 open; a fifth is allowed, a sixth (from yet another source) is not.
        let fifth = try RawTCPSocket(from: "127.0.0.4", port: ua.port)
        try await Task.sleep(for: .milliseconds(100))
        let sixth = try RawTCPSocket(from: "127.0.0.5", port: ua.port)
        #expect(await sixth.closed(within: 0.5), "over the total")
        // The held ones sent nothing: closed by the header timeout; half a message too.
        held[0].send("OPTIONS sip:room1@127.0.0.1 SIP/2.0\nVia: SIP/2.0/TCP 127.0.0.2:5060")
        var allClosed = true
        for connection in held where !(await connection.closed(within: 3)) { allClosed = false }
        #expect(allClosed, "no complete message within tcpHeaderTimeoutSeconds")
        _ = fifth
        // The answered connection goes quiet: closed by the idle timeout.
        #expect(await other.closed(within: 4), "no traffic for tcpIdleTimeoutSeconds")
        let refusals = await ua.agent.refusals
        #expect(refusals[.tcpPerSource] == 1)
        #expect(refusals[.tcpTotal] == 1)
        #expect((refusals[.headerTimeout] ?? 0) >= 3)
        #expect(refusals[.idleTimeout] == 1)
        try await Task.sleep(for: .milliseconds(200))
        #expect(await ua.agent.acceptedConnections == 0, "every counted connection was uncounted when it closed")
        await ua.stop()
    }
}
