import Foundation
import Testing
import TestSupport

/// The SIP stack's defences, played as an attacker against the real `consort serve` with the shipped configuration
/// (issue 9 §4, §8, §10). 127.0.0.2 and up stand for other hosts. The RFC 3261 timers are shortened (T1 20 ms, so
/// timers G and H run out in 1.3 s instead of 32 s); every other setting is the shipped one.
@Suite("consort serve: SIP attacker tests", .serialized, .timeLimit(.minutes(2)))
struct ServeSIPSecurityTests {
    /// The shipped configuration with short timers, its own database and the shipped prompts.
    static func configuration(in folder: URL) throws -> String {
        let shipped = packageRoot.appendingPathComponent("Config")
        var text = try String(contentsOf: shipped.appendingPathComponent("consort.yaml"), encoding: .utf8)
        for (from, to) in [
            ("t1Milliseconds: 500", "t1Milliseconds: 20"), ("t2Milliseconds: 4000", "t2Milliseconds: 160"),
            ("t4Milliseconds: 5000", "t4Milliseconds: 20"), ("database: consort.sqlite", "database: \(folder.path)/consort.sqlite"),
            ("promptDirectory: prompts", "promptDirectory: \(shipped.appendingPathComponent("prompts").path)"),
        ] {
            #expect(text.contains(from), "the shipped configuration has \(from)")
            text = text.replacingOccurrences(of: from, with: to)
        }
        let path = folder.appendingPathComponent("consort.yaml")
        try text.write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }

    func withServer(_ body: (Int, Int) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-sip-security-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = freePort()
        let adminPort = freePort()
        let server = try launchProgram(
            consortBinary,
            ["serve", "--config", try Self.configuration(in: folder), "--sip-address", "127.0.0.1", "--sip-port", "\(port)",
             "--rtp-ports", "\(port + 10)-\(port + 200)", "--admin-port", "\(adminPort)", "--log-level", "info"])
        for _ in 0..<200 {
            // The admin API starts after the focus has installed its handlers: until then the stack answers 501.
            if let log = try? String(contentsOf: server.1, encoding: .utf8), log.contains("127.0.0.1:\(adminPort)") { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        do {
            try await body(port, adminPort)
        } catch {
            _ = stopProgram(server)
            throw error
        }
        let stopped = stopProgram(server)
        #expect(stopped.status == 0, "serve stopped cleanly: \(stopped.output.suffix(800))")
    }

    static func invite(_ uri: String, port: Int, from socket: RawUDPSocket, callID: String) -> String {
        let sdp = """
            v=0
            o=attacker 1 1 IN IP4 127.0.0.2
            s=-
            c=IN IP4 127.0.0.2
            t=0 0
            m=audio 9 RTP/AVP 111 0
            a=rtpmap:111 opus/48000/2
            a=rtpmap:0 PCMU/8000

            """
        return """
            INVITE \(uri) SIP/2.0
            Via: SIP/2.0/UDP 127.0.0.2:\(socket.port);branch=z9hG4bK-\(callID);rport
            Max-Forwards: 70
            From: <sip:someone@127.0.0.2>;tag=\(callID)
            To: <\(uri)>
            Call-ID: \(callID)@127.0.0.2
            CSeq: 1 INVITE
            Contact: <sip:someone@127.0.0.2:\(socket.port)>
            Content-Type: application/sdp
            Content-Length: \(sdp.replacingOccurrences(of: "\n", with: "\r\n").utf8.count)

            \(sdp)
            """
    }

    @Test("an INVITE from a source that never answers brings back at most 3× its bytes: a challenge, or a call never ACKed")
    func noAmplification() async throws {
        try await withServer { port, _ in
            // fabrikam allows no anonymous callers: the focus challenges (401, stateless).
            let challenged = try RawUDPSocket(address: "127.0.0.2")
            challenged.send(Self.invite("sip:weekly@fabrikam.example", port: port, from: challenged, callID: "amp-auth"), port: port)
            let challenges = await challenged.drain(seconds: 3)
            #expect(challenges.filter { statusCode(of: $0) == 401 }.count == 1, "one 401: \(challenges.map { $0.prefix(24) })")
            #expect(challenged.bytesReceived <= 3 * challenged.bytesSent, "401: \(challenged.bytesReceived) bytes for \(challenged.bytesSent)")
            // The default tenant lets anyone into an ad hoc meeting: a 200 with the MCU's SDP, never ACKed.
            let answered = try RawUDPSocket(address: "127.0.0.3")
            answered.send(Self.invite("sip:room1@127.0.0.1:\(port)", port: port, from: answered, callID: "amp-anon"), port: port)
            let answers = await answered.drain(seconds: 3)
            #expect(answers.contains { statusCode(of: $0) == 200 }, "\(answers.map { $0.prefix(24) })")
            #expect(!answers.contains { $0.hasPrefix("BYE ") }, "no BYE to an address that never answered")
            #expect(answered.bytesReceived <= 3 * answered.bytesSent, "200: \(answered.bytesReceived) bytes for \(answered.bytesSent)")
            print("""
                serve: unanswered INVITE challenged: \(challenged.bytesReceived) bytes back for \(challenged.bytesSent) \
                (\(String(format: "%.2f", Double(challenged.bytesReceived) / Double(max(1, challenged.bytesSent))))×); \
                answered, never ACKed: \(answered.bytesReceived) for \(answered.bytesSent) \
                (\(String(format: "%.2f", Double(answered.bytesReceived) / Double(max(1, answered.bytesSent))))×)
                """)
        }
    }

    @Test("after the caller's BYE the focus's dialog is gone: a re-INVITE in it gets 481")
    func requestAfterBye() async throws {
        try await withServer { port, _ in
            let phone = try RawUDPSocket(address: "127.0.0.6")
            let invite = Self.invite("sip:room1@127.0.0.1:\(port)", port: port, from: phone, callID: "after-bye")
            phone.send(invite, port: port)
            let ok = try #require(await phone.receive(timeout: 5) { statusCode(of: $0) == 200 })
            let to = try #require(headerValue("To", in: ok))
            func inDialog(_ method: String, _ cseq: Int) -> String {
                """
                \(method) sip:room1@127.0.0.1:\(port) SIP/2.0
                Via: SIP/2.0/UDP 127.0.0.6:\(phone.port);branch=z9hG4bK-after-bye-\(cseq);rport
                Max-Forwards: 70
                From: <sip:someone@127.0.0.2>;tag=after-bye
                To: \(to)
                Call-ID: after-bye@127.0.0.2
                CSeq: \(cseq) \(method)
                Contact: <sip:someone@127.0.0.6:\(phone.port)>
                Content-Length: 0


                """
            }
            phone.send(inDialog("ACK", 1), port: port)
            phone.send(inDialog("BYE", 2), port: port)
            #expect(await phone.receive(timeout: 5) { $0.contains("CSeq: 2 BYE") }.flatMap(statusCode) == 200)
            phone.send(inDialog("INVITE", 3), port: port)
            #expect(await phone.receive(timeout: 5) { $0.contains("CSeq: 3 INVITE") && statusCode(of: $0) != 100 }.flatMap(statusCode) == 481)
        }
    }

    @Test("a source over its request rate is refused and counted in /metrics; another source is still answered")
    func rateLimitInMetrics() async throws {
        try await withServer { port, adminPort in
            let flood = try RawUDPSocket(address: "127.0.0.4")
            for n in 0..<400 {
                flood.send(
                    "OPTIONS sip:room1@127.0.0.1:\(port) SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.4:\(flood.port);branch=z9hG4bK-f\(n)\nMax-Forwards: 70\nFrom: <sip:f@127.0.0.4>;tag=f\(n)\nTo: <sip:room1@127.0.0.1>\nCall-ID: f\(n)@127.0.0.4\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n",
                    port: port)
            }
            let answers = await flood.drain(seconds: 1)
            #expect(answers.filter { statusCode(of: $0) == 503 }.count <= 3)
            #expect(answers.filter { statusCode(of: $0) == 200 }.count < 200)
            let other = try RawUDPSocket(address: "127.0.0.5")
            other.send(
                "OPTIONS sip:room1@127.0.0.1:\(port) SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.5:\(other.port);branch=z9hG4bK-o1\nMax-Forwards: 70\nFrom: <sip:o@127.0.0.5>;tag=o\nTo: <sip:room1@127.0.0.1>\nCall-ID: o1@127.0.0.5\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n",
                port: port)
            #expect(await other.receive(timeout: 3).flatMap(statusCode) == 200)
            let metrics = try await AdminHTTP.request("GET", "http://127.0.0.1:\(adminPort)/metrics", token: "operator-demo-token")
            let line = metrics.text.split(separator: "\n").first { $0.hasPrefix("consort_sip_refused_total") && $0.contains("rate_limit") }
            let count = line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } ?? 0
            #expect(count >= 150, "refusals counted: \(line ?? "no consort_sip_refused_total{reason=\"rate_limit\"} line")")
            for gauge in ["consort_sip_dialogs", "consort_sip_transactions", "consort_sip_rate_table_sources", "consort_sip_tcp_connections"] {
                #expect(metrics.text.contains(gauge), "\(gauge) in /metrics")
            }
        }
    }
}
