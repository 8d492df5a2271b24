import Foundation
import Logging
import SIP
import SIPWire
import Synchronization
import Testing
import TestSupport

/// No amplification (issue 9 §8): a source that sends one INVITE with an SDP offer and never answers — a forged
/// address, in effect — gets back at most 3 times the bytes it sent, retransmissions included, whatever the UAS
/// answers: a digest challenge (stateless), a refusal, or a 200 that is never ACKed. Short timers (T1 20 ms: timers
/// G and H run out within 1.3 s) stand for the 32 s of the default ones.
@Suite("No amplification from unanswering sources", .serialized, .timeLimit(.minutes(1)))
struct AmplificationTests {
    static func agent() async throws -> TestUserAgent {
        var configuration = SIPConfiguration()
        configuration.address = "127.0.0.1"
        configuration.port = 0
        configuration.tcp = false
        configuration.t1Milliseconds = 20
        configuration.t2Milliseconds = 160
        configuration.t4Milliseconds = 20
        var logger = Logger(label: "test-ua")
        logger.logLevel = .critical
        let agent = SIPUserAgent(configuration: configuration, logger: logger)
        let bound = try await agent.start()
        Task { await agent.run() }  // its handlers; returns when the agent stops
        return TestUserAgent(agent: agent, port: bound.first?.port ?? 0)
    }

    static let authenticator = DigestAuthenticator(lifetimeSeconds: 300) { realm, user, algorithm in
        user == "alice" ? algorithm.ha1(username: user, realm: realm, password: "secret") : nil
    }

    static func invite(port: Int, from socket: RawUDPSocket, branch: String = "z9hG4bK-amp-1", method: String = "INVITE", toTag: String? = nil) -> String {
        let sdp = "v=0\r\no=attacker 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
        return """
            \(method) sip:room1@127.0.0.1:\(port) SIP/2.0
            Via: SIP/2.0/UDP 127.0.0.2:\(socket.port);branch=\(branch);rport
            Max-Forwards: 70
            From: <sip:victim@127.0.0.2>;tag=v1
            To: <sip:room1@127.0.0.1>\(toTag.map { ";tag=\($0)" } ?? "")
            Call-ID: amplification@127.0.0.2
            CSeq: 1 \(method)
            Contact: <sip:victim@127.0.0.2:\(socket.port)>
            Content-Type: application/sdp
            Content-Length: \(method == "ACK" ? 0 : sdp.utf8.count)

            \(method == "ACK" ? "" : sdp.replacingOccurrences(of: "\r\n", with: "\n"))
            """
    }

    /// Sends one INVITE from 127.0.0.2, answers nothing, and returns what came back within `seconds`.
    static func unansweredInvite(to ua: TestUserAgent, seconds: Double = 2.5) async throws -> (sent: Int, received: Int, messages: [String]) {
        let victim = try RawUDPSocket(address: "127.0.0.2")
        victim.send(invite(port: ua.port, from: victim), port: ua.port)
        let messages = await victim.drain(seconds: seconds)
        return (victim.bytesSent, victim.bytesReceived, messages)
    }

    @Test("a digest challenge is stateless: one 401 per INVITE received, no retransmission, the ACK absorbed; ≤ 3× the bytes")
    func challenge() async throws {
        let ua = try await Self.agent()
        await ua.agent.setHandler(.invite) { incoming in
            guard await incoming.authenticate(with: Self.authenticator, realm: "consort.test") != nil else { return }
            await incoming.respond(200)
        }
        let result = try await Self.unansweredInvite(to: ua)
        let challenges = result.messages.filter { statusCode(of: $0) == 401 }
        #expect(challenges.count == 1, "one 401, never retransmitted: \(result.messages.map { $0.prefix(20) })")
        #expect(result.received <= 3 * result.sent, "\(result.received) bytes back for \(result.sent)")
        #expect(await ua.agent.stateCounts == SIPStateCounts(), "a challenge keeps nothing")
        // The INVITE again (a retransmission) gets the 401 again; the ACK for it gets nothing. (Generous waits: the
        // handlers run on the cooperative pool, which sipp tests beside this one may hold for seconds.)
        let victim = try RawUDPSocket(address: "127.0.0.2")
        victim.send(Self.invite(port: ua.port, from: victim), port: ua.port)
        let first = await victim.receive(timeout: 10) { statusCode(of: $0) == 401 }
        victim.send(Self.invite(port: ua.port, from: victim), port: ua.port)
        let second = await victim.receive(timeout: 10) { statusCode(of: $0) == 401 }
        #expect(first != nil && second != nil, "each INVITE received gets its 401")
        let tag = try #require(second.flatMap { headerValue("To", in: $0) }?.components(separatedBy: "tag=").last)
        victim.send(Self.invite(port: ua.port, from: victim, method: "ACK", toTag: tag), port: ua.port)
        #expect(await victim.drain(seconds: 0.3).isEmpty, "the ACK is absorbed")
        print("challenge: \(result.received) bytes back for \(result.sent) (\(String(format: "%.2f", Double(result.received) / Double(result.sent)))×)")
        await ua.stop()
    }

    @Test("a refusal (486) is retransmitted only within 3× the bytes received, and the transaction ends with timer H")
    func refusal() async throws {
        let ua = try await Self.agent()
        await ua.agent.setHandler(.invite) { await $0.respond(486, headers: [("Warning", "399 consort \"" + String(repeating: "busy ", count: 40) + "\"")]) }
        let result = try await Self.unansweredInvite(to: ua)
        #expect(result.messages.filter { statusCode(of: $0) == 486 }.count >= 1)
        #expect(result.received <= 3 * result.sent, "\(result.received) bytes back for \(result.sent)")
        #expect(await ua.agent.stateCounts == SIPStateCounts())
        print("refusal: \(result.received) bytes back for \(result.sent) (\(String(format: "%.2f", Double(result.received) / Double(result.sent)))×)")
        await ua.stop()
    }

    @Test("a 200 with SDP that is never ACKed: retransmitted within 3×, then the dialog ends without a BYE to the silent address")
    func unacknowledgedAnswer() async throws {
        let ua = try await Self.agent()
        await ua.answerCalls()
        let result = try await Self.unansweredInvite(to: ua)
        #expect(result.messages.filter { statusCode(of: $0) == 200 }.count >= 1)
        #expect(!result.messages.contains { $0.hasPrefix("BYE ") }, "no BYE to an address that never answered")
        #expect(result.received <= 3 * result.sent, "\(result.received) bytes back for \(result.sent)")
        #expect(await ua.agent.stateCounts == SIPStateCounts())
        print("unacknowledged 200: \(result.received) bytes back for \(result.sent) (\(String(format: "%.2f", Double(result.received) / Double(result.sent)))×)")
        await ua.stop()
    }

    @Test("a caller that retransmits its INVITE because the 200 was lost still gets it (the budget grows with what it sends)")
    func lossyCaller() async throws {
        let ua = try await Self.agent()
        await ua.answerCalls(ringing: false)
        let caller = try RawUDPSocket(address: "127.0.0.2")
        caller.send(Self.invite(port: ua.port, from: caller), port: ua.port)
        _ = await caller.drain(seconds: 0.4)  // every answer "lost", the budget spent
        caller.send(Self.invite(port: ua.port, from: caller), port: ua.port)
        #expect(await caller.receive(timeout: 10) { statusCode(of: $0) == 200 } != nil, "a retransmitted INVITE is answered with the 2xx")
        await ua.stop()
    }

    @Test("a handler's late default answer never lands on a retransmission's new transaction under the same key")
    func lateHandlerAnswersOnlyItsOwnTransaction() async throws {
        let ua = try await Self.agent()
        let invocations = Mutex(0)
        await ua.agent.setHandler(.invite) { incoming in
            let n = invocations.withLock { count -> Int in
                count += 1
                return count
            }
            if n == 1 {
                // Answered statelessly at once, then the handler takes a while to return (the stack's default answer
                // for a handler that said nothing comes after it).
                await incoming.respondStatelessly(401)
                try? await Task.sleep(for: .milliseconds(150))
            } else {
                try? await Task.sleep(for: .milliseconds(400))
                await incoming.respondStatelessly(401)
            }
        }
        let victim = try RawUDPSocket(address: "127.0.0.2")
        victim.send(Self.invite(port: ua.port, from: victim), port: ua.port)
        let first = await victim.receive(timeout: 5) { (statusCode(of: $0) ?? 0) >= 200 }
        // The retransmission makes a new transaction under the same key while the first handler is still running.
        victim.send(Self.invite(port: ua.port, from: victim), port: ua.port)
        let second = await victim.receive(timeout: 5) { (statusCode(of: $0) ?? 0) >= 200 }
        await ua.stop()
        #expect(first.flatMap { statusCode(of: $0) } == 401)
        #expect(second.flatMap { statusCode(of: $0) } == 401, "the second INVITE gets its own handler's 401, not the first handler's 500")
    }
}
