import Foundation
import SIP
import SIPWire
import Synchronization
import Testing
import TestSupport

/// The stack against a real SIP peer: sipp (Debian sip-tester) on loopback, one test at a time.
@Suite("SIP against sipp", .serialized, .timeLimit(.minutes(2)))
struct SippTests {
    @Test("OPTIONS is answered 200 with Allow (RFC 3261 §11)")
    func options() async throws {
        let ua = try await TestUserAgent.start()
        defer { Task { await ua.stop() } }
        let result = try Sipp.run(scenario: "options", target: ua.target)
        #expect(result.status == 0, "sipp: \(result.output.suffix(1_500))")
        await ua.stop()
    }

    @Test("INVITE, 180, 200, ACK, BYE: sipp's built-in caller completes a call (RFC 3261 §13, §15)")
    func basicCall() async throws {
        let ua = try await TestUserAgent.start()
        await ua.answerCalls()
        let result = try Sipp.run(builtin: "uac", target: ua.target, extra: ["-d", "200"])
        #expect(result.status == 0, "sipp: \(result.output.suffix(1_500))")
        #expect(await ua.agent.dialogCount == 0, "the BYE ended the dialog")
        await ua.stop()
    }

    @Test("the same call over TCP, framed by Content-Length (RFC 3261 §18.3)")
    func basicCallOverTCP() async throws {
        let ua = try await TestUserAgent.start()
        await ua.answerCalls()
        let result = try Sipp.run(builtin: "uac", target: ua.target, extra: ["-d", "200", "-t", "t1"])
        #expect(result.status == 0, "sipp: \(result.output.suffix(1_500))")
        await ua.stop()
    }

    @Test("CANCEL before the answer: 200 to CANCEL, 487 to INVITE, ACK absorbed (RFC 3261 §9.2)")
    func cancel() async throws {
        let ua = try await TestUserAgent.start()
        let sawCancel = Mutex(false)
        await ua.agent.setHandler(.invite) { incoming in
            await incoming.respond(180)
            for _ in 0..<250 where !(await incoming.isCancelled) { try? await Task.sleep(for: .milliseconds(20)) }
            if await incoming.isCancelled { sawCancel.withLock { $0 = true } }
        }
        let result = try Sipp.run(scenario: "cancel", target: ua.target)
        #expect(result.status == 0, "sipp: \(result.output.suffix(1_500))")
        for _ in 0..<50 where !sawCancel.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(20)) }
        #expect(sawCancel.withLock { $0 }, "the application learnt of the CANCEL")
        await ua.stop()
    }

    @Test("INVITE with a digest challenge: 401, retry with credentials, answered (RFC 3261 §22, MD5 as sipp speaks it)")
    func authenticatedCall() async throws {
        let ua = try await TestUserAgent.start()
        let authenticator = DigestAuthenticator(algorithms: [.md5]) { realm, user, algorithm in
            user == "alice" ? algorithm.ha1(username: user, realm: realm, password: "secret") : nil
        }
        let authenticated = Mutex<[String]>([])
        await ua.agent.setHandler(.invite) { incoming in
            guard let user = await incoming.authenticate(with: authenticator, realm: "consort.test") else { return }
            authenticated.withLock { $0.append(user) }
            await incoming.respond(200, body: Array(TestUserAgent.answer(to: incoming.request.body).utf8), contentType: "application/sdp")
        }
        // sipp's digest uri defaults to sip:<remote ip>:<port>; credentials must name the Request-URI (RFC 3261 §22.4,
        // and the stack binds them to it so they cannot be replayed against another meeting), as phones do.
        let result = try Sipp.run(scenario: "auth", target: ua.target, extra: ["-auth_uri", "room1@\(ua.target)"])
        #expect(result.status == 0, "sipp: \(result.output.suffix(1_500))")
        #expect(authenticated.withLock { $0 } == ["alice"])
        await ua.stop()
    }

    @Test("a re-INVITE puts the call on hold and the answer says recvonly (RFC 3264 §8.4)")
    func hold() async throws {
        let ua = try await TestUserAgent.start()
        await ua.answerCalls()
        let result = try Sipp.run(scenario: "hold", target: ua.target)
        #expect(result.status == 0, "sipp: \(result.output.suffix(1_500))")
        await ua.stop()
    }

    @Test("load: 500 calls at 50 calls/s, none failed")
    func load() async throws {
        // 50 calls/s are 150 requests/s (INVITE, ACK, BYE) from one address, over the default 50 per source: sipp
        // stands for the provider's own load generator here, which is what sip.trustedSources is for.
        let ua = try await TestUserAgent.start(trustedSources: ["127.0.0.1/32"])
        await ua.answerCalls(ringing: false)
        let started = Date()
        let result = try Sipp.run(builtin: "uac", target: ua.target, calls: 500, rate: 50, limit: 200, extra: ["-d", "100"], timeout: 60)
        let seconds = Date().timeIntervalSince(started)
        #expect(result.status == 0, "sipp: \(result.output.suffix(2_000))")
        #expect(result.output.contains("Successful call") || result.status == 0)
        print("load: 500 calls in \(Int(seconds)) s")
        await ua.stop()
    }

    @Test("the stack's own UAC calls sipp's UAS and hangs up (RFC 3261 §13.2, §15.1)")
    func uacAgainstSippUAS() async throws {
        let ua = try await TestUserAgent.start()
        let sippPort = freePort(udpAndTCP: false)
        guard let sipp = Sipp.path else {
            Issue.record("sipp is not installed")
            return
        }
        let uas = try launchProgram(sipp, ["-sn", "uas", "-i", "127.0.0.1", "-p", "\(sippPort)", "-m", "1", "-nostdin", "-timeout", "20s", "-timeout_error"])
        try await Task.sleep(for: .milliseconds(500))
        let target = try #require(SIPURI("sip:service@127.0.0.1:\(sippPort)"))
        let call = try await ua.agent.invite(target, body: Array(TestUserAgent.offer.utf8))
        #expect(call.response.statusCode == 200)
        try await Task.sleep(for: .milliseconds(200))
        let bye = try await call.dialog.bye()
        #expect(bye.statusCode == 200)
        for _ in 0..<100 where uas.0.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        let finished = stopProgram(uas)
        #expect(finished.status == 0, "sipp uas: \(finished.output.suffix(1_500))")
        await ua.stop()
    }
}
