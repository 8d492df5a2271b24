import Foundation
import Testing
import TestSupport

/// sipp against the focus with the scenario templates in Tests/ConsortTests/Scenarios: `{{NAME}}` placeholders are
/// filled in per test, `-key` values fill sipp's own `[name]` keywords. Loopback only, always with `-p`.
enum FocusSipp {
    /// Runs a scenario to completion (one call) and returns sipp's exit status (0: the scenario passed) and output.
    static func run(
        _ scenario: String, port: Int, service: String, domain: String, user: String = "guest", keys: [String: String] = [:],
        fill: [String: String] = [:], extra: [String] = [], timeout: Int = 20
    ) throws -> (status: Int32, output: String) {
        guard let sipp = tool("sipp") else {
            Issue.record("sipp is not installed: run `make deps` (Debian package sip-tester)")
            return (-1, "")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sipp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = try self.arguments(
            scenario, port: port, service: service, domain: domain, user: user, keys: keys, fill: fill, extra: extra,
            timeout: timeout, directory: directory)
        return try runProgram(sipp, arguments, timeout: TimeInterval(timeout + 10), directory: directory)
    }

    /// Starts a scenario in the background (for a subscriber that watches while others join); stop it with
    /// `stopProgram`, or wait for it with `waitForProgram`.
    static func launch(
        _ scenario: String, port: Int, service: String, domain: String, user: String = "guest", keys: [String: String] = [:],
        fill: [String: String] = [:], extra: [String] = [], timeout: Int = 30, directory: URL
    ) throws -> (Process, URL) {
        guard let sipp = tool("sipp") else { throw SippMissing() }
        let arguments = try self.arguments(
            scenario, port: port, service: service, domain: domain, user: user, keys: keys, fill: fill, extra: extra,
            timeout: timeout, directory: directory)
        return try launchProgram(sipp, arguments, directory: directory)
    }

    /// Starts sipp's built-in answering scenario (`-sn uas`: 180, 200 with SDP, waits for BYE) on `port`, for one call.
    static func launchAnswerer(port: Int, timeout: Int = 30, directory: URL) throws -> (Process, URL) {
        guard let sipp = tool("sipp") else { throw SippMissing() }
        return try launchProgram(
            sipp,
            [
                "-sn", "uas", "-i", "127.0.0.1", "-p", "\(port)", "-m", "1", "-nostdin", "-timeout", "\(timeout)s", "-timeout_error",
                "-mp", "\(freePort(udpAndTCP: false))",
            ], directory: directory)
    }

    struct SippMissing: Error, CustomStringConvertible {
        var description: String { "sipp is not installed: run `make deps` (Debian package sip-tester)" }
    }

    private static func arguments(
        _ scenario: String, port: Int, service: String, domain: String, user: String, keys: [String: String],
        fill: [String: String], extra: [String], timeout: Int, directory: URL
    ) throws -> [String] {
        var text = try String(
            contentsOf: packageRoot.appendingPathComponent("Tests/ConsortTests/Scenarios/\(scenario).xml"), encoding: .utf8)
        for (name, value) in fill.merging(["DOMAIN": domain], uniquingKeysWith: { a, _ in a }) {
            text = text.replacingOccurrences(of: "{{\(name)}}", with: value)
        }
        let file = directory.appendingPathComponent("\(scenario).xml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        var arguments = [
            "-sf", file.path, "127.0.0.1:\(port)", "-i", "127.0.0.1", "-p", "\(freePort(udpAndTCP: false))", "-m", "1",
            "-timeout", "\(timeout)s", "-timeout_error", "-nostdin", "-s", service, "-key", "domain", domain, "-key", "user", user,
            // -mi: sipp's play_dtmf sends RTP only with an explicit media address.
            "-mp", "\(freePort(udpAndTCP: false))", "-mi", "127.0.0.1",
        ]
        for (k, v) in keys where k != "pause" { arguments += ["-key", k, v] }
        // <pause/> without a length pauses for -d milliseconds.
        arguments += ["-d", keys["pause"] ?? "300"]
        return arguments + extra
    }
}
