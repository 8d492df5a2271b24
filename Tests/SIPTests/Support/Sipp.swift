import Foundation
import Testing
import TestSupport

/// sipp (Debian `sip-tester`), driven with the scenarios in Tests/SIPTests/Scenarios, always on loopback and always
/// with an explicit local port (-p) so it never takes 5060.
enum Sipp {
    static var path: String? { tool("sipp") }

    /// Runs sipp against `target` (host:port) and returns its exit status (0: every call succeeded) and output.
    static func run(
        scenario: String? = nil, builtin: String? = nil, target: String, calls: Int = 1, rate: Int = 10,
        limit: Int? = nil, extra: [String] = [], timeout: Int = 30
    ) throws -> (status: Int32, output: String) {
        guard let sipp = path else {
            Issue.record("sipp is not installed: run `make deps` (Debian package sip-tester)")
            return (-1, "")
        }
        var arguments: [String] = []
        if let scenario {
            arguments += ["-sf", packageRoot.appendingPathComponent("Tests/SIPTests/Scenarios/\(scenario).xml").path]
        } else if let builtin {
            arguments += ["-sn", builtin]
        }
        if !target.isEmpty { arguments.append(target) }
        arguments += [
            "-i", "127.0.0.1", "-p", "\(freePort(udpAndTCP: false))", "-m", "\(calls)", "-r", "\(rate)",
            "-timeout", "\(timeout)s", "-timeout_error", "-nostdin", "-s", "room1", "-mp", "\(freePort(udpAndTCP: false))",
        ]
        if let limit { arguments += ["-l", "\(limit)"] }
        arguments += extra
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sipp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try runProgram(sipp, arguments, timeout: TimeInterval(timeout + 10), directory: directory)
    }
}
