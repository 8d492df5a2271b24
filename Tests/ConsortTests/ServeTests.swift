import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The built `consort` binary next to the test bundle (works for debug and release builds).
var consortBinary: String {
    let beside = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("consort").path
    if FileManager.default.isExecutableFile(atPath: beside) { return beside }
    return packageRoot.appendingPathComponent(".build/debug/consort").path
}

/// `consort serve` as a process, on loopback, bounded in time; one at a time.
@Suite("consort serve", .serialized, .timeLimit(.minutes(2)))
struct ServeTests {
    /// Starts `consort serve` on a free port and waits until it logs that SIP listens.
    func startServer(port: Int) async throws -> (Process, URL) {
        let server = try launchProgram(
            consortBinary,
            ["serve", "--config", packageRoot.appendingPathComponent("Config/consort.yaml").path, "--sip-address", "127.0.0.1",
             "--sip-port", "\(port)", "--rtp-ports", "\(port + 10)-\(port + 200)", "--admin-port", "0", "--log-level", "info"])
        for _ in 0..<200 {
            if let log = try? String(contentsOf: server.1, encoding: .utf8), log.contains("accepting calls") { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        return server
    }

    @Test("serve logs where it listens, answers OPTIONS, answers an INVITE (488 with a Warning for an unusable offer), and stops on SIGTERM within 5 s")
    func serveLifecycle() async throws {
        let port = freePort()
        let server = try await startServer(port: port)
        let probe = try runProgram(
            "/usr/bin/python3", [packageRoot.appendingPathComponent("Tests/SIPTests/Scripts/flood.py").path, "127.0.0.1", "\(port)", "0"],
            timeout: 10)
        #expect(probe.output.contains("probes 0") || probe.status == 0)
        let invite = try runProgram(
            "/usr/bin/python3", [packageRoot.appendingPathComponent("Tests/SIPTests/Scripts/invite_probe.py").path, "127.0.0.1", "\(port)"],
            timeout: 10)
        #expect(invite.output.contains("SIP/2.0 200"), "INVITE to an ad hoc meeting is answered: \(invite.output)")
        let g722 = try runProgram(
            "/usr/bin/python3", [packageRoot.appendingPathComponent("Tests/SIPTests/Scripts/invite_probe.py").path, "127.0.0.1", "\(port)", "9 G722/8000"],
            timeout: 10)
        #expect(g722.output.contains("SIP/2.0 488"), "an offer without a usable codec: \(g722.output)")
        #expect(g722.output.contains("Warning: 399") && g722.output.contains("G722"), "the Warning says why: \(g722.output)")
        let garbage = try runProgram(
            "/usr/bin/python3", [packageRoot.appendingPathComponent("Tests/SIPTests/Scripts/invite_probe.py").path, "127.0.0.1", "\(port)", "garbage"],
            timeout: 10)
        #expect(garbage.output.contains("SIP/2.0 488"), "a broken SDP body: \(garbage.output)")
        let stopped = stopProgram(server)
        #expect(stopped.status == 0, "exit status after SIGTERM; log: \(stopped.output.suffix(800))")
        #expect(stopped.seconds < 5)
        #expect(stopped.output.contains("SIP listening"))
        #expect(stopped.output.contains("UDP") && stopped.output.contains("TCP"))
        #expect(stopped.output.contains("MCU ready"))
    }

    // The flood comes from 127.0.0.1 and the probes from 127.0.0.2, another host: what a deployment needs is that one
    // source's flood does not stop anyone else. (The flooding source itself is over its rate and gets no answers.)
    @Test("a flood of junk datagrams from one source does not stop another source's OPTIONS from being answered")
    func junkFlood() async throws {
        let port = freePort()
        let server = try await startServer(port: port)
        let flood = try runProgram(
            "/usr/bin/python3",
            [packageRoot.appendingPathComponent("Tests/SIPTests/Scripts/flood.py").path, "127.0.0.1", "\(port)", "6", "15000", "127.0.0.2"],
            timeout: 30)
        let fields = flood.output.split(whereSeparator: { $0 == " " || $0 == "\n" })
        func value(_ name: String) -> Int { fields.firstIndex(of: Substring(name)).flatMap { Int(fields[$0 + 1]) } ?? -1 }
        let stopped = stopProgram(server)
        #expect(value("junk") > 50_000, "junk datagrams sent: \(flood.output)")
        #expect(value("probes") > 20)
        #expect(Double(value("answered")) >= 0.9 * Double(value("probes")), "\(flood.output)")
        #expect(stopped.status == 0, "the server survived and stopped cleanly; log: \(stopped.output.suffix(600))")
        print("flood: \(flood.output.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    @Test("every RFC 4475 torture message sent to serve (in a loopback-only network namespace) leaves it running, answered as the RFC says")
    func torture() async throws {
        guard getuid() == 0, let unshare = tool("unshare"), let ip = tool("ip") else {
            Issue.record("needs root, unshare and ip (iproute2) to make a loopback-only network namespace")
            return
        }
        let corpus = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/rfc4475").path
        guard FileManager.default.fileExists(atPath: corpus) else {
            Issue.record("RFC 4475 corpus not found at \(corpus)")
            return
        }
        let port = 5080
        let script = """
            set -u
            \(ip) link set lo up
            '\(consortBinary)' serve --config '\(packageRoot.appendingPathComponent("Config/consort.yaml").path)' --sip-address 127.0.0.1 --sip-port \(port) --log-level warning &
            pid=$!
            for i in $(seq 1 100); do python3 -c 'import socket,sys; s=socket.socket(); s.settimeout(0.1); sys.exit(s.connect_ex(("127.0.0.1", \(port))))' && break; sleep 0.05; done
            python3 '\(packageRoot.appendingPathComponent("Tests/SIPTests/Scripts/rfc4475_sender.py").path)' 127.0.0.1 \(port) '\(corpus)'
            kill -TERM $pid; wait $pid; echo "EXIT $?"
            """
        let result = try runProgram(unshare, ["-n", "/bin/bash", "-c", script], timeout: 90)
        var answers: [String: String] = [:]
        for line in result.output.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 2)
            if parts.count >= 2, parts[0].hasSuffix(".dat") { answers[String(parts[0])] = String(parts[1]) }
        }
        #expect(answers.count == 49, "answers: \(answers.count)\n\(result.output.suffix(3_000))")
        #expect(result.output.contains("ALIVE 200"), "the server still answers OPTIONS")
        #expect(result.output.contains("EXIT 0"), "the server stopped cleanly: \(result.output.suffix(1_000))")
        // The RFC's expectations for a UA that does not host the URI's user (index.tsv); the three REGISTERs reach the
        // default tenant's registrar, which challenges before anything else (regaut01: "registrar ... 401").
        let expected: [String: String] = [
            "badvers.dat": "505", "unkscm.dat": "416", "novelsc.dat": "416", "badinv01.dat": "400", "clerr.dat": "400",
            "ncl.dat": "400", "scalar02.dat": "400", "quotbal.dat": "400", "mismatch01.dat": "400", "insuf.dat": "400",
            "multi01.dat": "400", "mcl01.dat": "400", "bext01.dat": "420", "invut.dat": "415", "sdp01.dat": "406",
            "escnull.dat": "401", "cparam01.dat": "401", "inv2543.dat": "200", "zeromf.dat": "200", "longreq.dat": "200",
            "intmeth.dat": "501", "esc02.dat": "501", "regaut01.dat": "401", "semiuri.dat": "200", "transports.dat": "200",
        ]
        for (name, status) in expected {
            #expect(answers[name] == status, "\(name): got \(answers[name] ?? "nothing"), RFC 4475 expects \(status)")
        }
        // Responses in the corpus are never answered.
        for name in ["scalarlg.dat", "bigcode.dat", "bcast.dat", "unreason.dat", "noreason.dat"] {
            #expect(answers[name] == "-", "\(name) is a response and must not be answered")
        }
        print(result.output)
    }
}
