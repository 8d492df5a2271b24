import ArgumentParser
import Foundation
import Logging
import SIP
import SIPWire

#if canImport(Glibc)
import Glibc
#endif

/// `consort bench sip`: how many calls per second the SIP stack completes against sipp on loopback.
struct SIPBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sip",
        abstract: "Drive full calls (INVITE, 200, ACK, BYE) from sipp into the SIP stack on loopback and report calls/s.",
        discussion: """
            Starts a user agent on the stack that answers every INVITE with 200 and an SDP answer, then runs sipp's \
            built-in caller (`sipp -sn uac`, Debian package sip-tester) against it at --rate calls/s until --calls \
            calls are done. Loopback only.
            """
    )

    @Option(help: "Calls per second sipp offers.") var rate = 200
    @Option(help: "Calls in total.") var calls = 5_000
    @Option(help: "Most calls open at once.") var concurrency = 500
    @Option(help: "Transport: udp or tcp.") var transport = "udp"
    @Option(help: "Milliseconds a call stays up before BYE.") var hold = 100
    @Option(
        name: .customLong("trusted-source"),
        help: """
            CIDR exempt from the stack's per-source limits (repeatable). Default: sipp's 127.0.0.1, which stands for the \
            provider's own load generator: the bench measures calls/s, not sip.requestsPerSecondPerSource. Pass \
            --trusted-source 0.0.0.0/32 to measure with the limits on.
            """)
    var trustedSources: [String] = ["127.0.0.1/32"]

    func run() async throws {
        guard let sipp = ["/usr/bin/sipp", "/usr/local/bin/sipp"].first(where: FileManager.default.isExecutableFile) else {
            throw ValidationError("sipp is not installed: run `make deps` (Debian package sip-tester)")
        }
        guard transport == "udp" || transport == "tcp" else { throw ValidationError("--transport must be udp or tcp") }
        var logger = Logger(label: "consort.bench.sip")
        logger.logLevel = .error
        var configuration = SIPConfiguration()
        configuration.address = "127.0.0.1"
        configuration.port = 0
        configuration.trustedSources = trustedSources
        if let problem = configuration.validationProblem() { throw ValidationError(problem) }
        let agent = SIPUserAgent(configuration: configuration, logger: logger)
        let bound = try await agent.start()
        guard let port = bound.first?.port else { throw ValidationError("could not bind a loopback port") }
        async let agentWork: Void = agent.run()
        await agent.setHandler(.invite) { incoming in
            let sdp = "v=0\r\no=consort 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
            await incoming.respond(200, body: Array(sdp.utf8), contentType: "application/sdp")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sipp)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("consort-bench-sip-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        process.currentDirectoryURL = directory
        process.arguments = [
            "-sn", "uac", "127.0.0.1:\(port)", "-i", "127.0.0.1", "-p", "\(Self.freeLoopbackPort())", "-m", "\(calls)", "-r", "\(rate)",
            "-l", "\(concurrency)", "-d", "\(hold)", "-t", transport == "udp" ? "u1" : "t1", "-nostdin",
            "-timeout", "\(calls / max(1, rate) + 60)s", "-timeout_error", "-trace_stat", "-stf", "stats.csv",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let start = Date()
        try process.run()
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        let stats = (try? String(contentsOf: directory.appendingPathComponent("stats.csv"), encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: directory)
        let (successful, failed) = Self.finalCounts(stats)
        await agent.stop()
        await agentWork
        print(
            """
            consort bench sip: \(calls) calls offered at \(rate)/s over \(transport.uppercased()), at most \(concurrency) open, \(hold) ms each
              successful calls   \(successful.map(String.init) ?? "?")
              failed calls       \(failed.map(String.init) ?? "?")
              wall time          \(String(format: "%.1f", seconds)) s
              completed calls/s  \(String(format: "%.1f", Double(successful ?? 0) / max(seconds, 0.001)))
              sipp exit status   \(process.terminationStatus) (0: every call succeeded)
            """)
        if process.terminationStatus != 0 { throw ExitCode(1) }
    }

    /// A UDP port on 127.0.0.1 nobody uses now (sipp must never fall back to 5060).
    static func freeLoopbackPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        return ok ? Int(UInt16(bigEndian: address.sin_port)) : 35_060
    }

    /// SuccessfulCall(C) and FailedCall(C) from the last row of sipp's statistics CSV.
    static func finalCounts(_ csv: String) -> (Int?, Int?) {
        let rows = csv.split(separator: "\n").map { $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init) }
        guard let header = rows.first, let last = rows.last, rows.count > 1 else { return (nil, nil) }
        func column(_ name: String) -> Int? {
            header.firstIndex(of: name).flatMap { $0 < last.count ? Int(last[$0]) : nil }
        }
        return (column("SuccessfulCall(C)"), column("FailedCall(C)"))
    }
}
