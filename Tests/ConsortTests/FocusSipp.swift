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
        // A free port found a moment ago can be taken by the time sipp binds it: try again with others.
        for _ in 0..<3 {
            let arguments = try self.arguments(
                scenario, port: port, service: service, domain: domain, user: user, keys: keys, fill: fill, extra: extra,
                timeout: timeout, directory: directory)
            let result = try runProgram(sipp, arguments, timeout: TimeInterval(timeout + 10), directory: directory)
            if !Self.lostPortRace(result.status, result.output) { return result }
        }
        return (-1, "sipp could not bind a port three times")
    }

    /// sipp gave up at start because a port it was given is in use.
    static func lostPortRace(_ status: Int32, _ output: String) -> Bool {
        status != 0 && (output.contains("Unable to bind") || output.contains("Address already in use"))
    }

    /// Starts a scenario in the background (for a subscriber that watches while others join); stop it with
    /// `stopProgram`, or wait for it with `waitForProgram`.
    static func launch(
        _ scenario: String, port: Int, service: String, domain: String, user: String = "guest", keys: [String: String] = [:],
        fill: [String: String] = [:], extra: [String] = [], timeout: Int = 30, directory: URL
    ) throws -> (Process, URL) {
        guard let sipp = tool("sipp") else { throw SippMissing() }
        var launched: (Process, URL)?
        for _ in 0..<3 {
            let arguments = try self.arguments(
                scenario, port: port, service: service, domain: domain, user: user, keys: keys, fill: fill, extra: extra,
                timeout: timeout, directory: directory)
            let attempt = try launchProgram(sipp, arguments, directory: directory)
            launched = attempt
            // A port lost between choosing and binding shows within a moment: then again with others.
            usleep(250_000)
            guard !attempt.0.isRunning else { return attempt }
            let output = (try? String(contentsOf: attempt.1, encoding: .utf8)) ?? ""
            guard Self.lostPortRace(attempt.0.terminationStatus, output) else { return attempt }
        }
        guard let launched else { throw SippMissing() }
        return launched
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

    /// invite-media.xml's offer unless a test fills `MEDIA`: PCMU and telephone-event on sipp's media port.
    static let pcmuMedia = """
        m=audio [media_port] RTP/AVP 0 96
        a=rtpmap:0 PCMU/8000
        a=rtpmap:96 telephone-event/8000
        a=fmtp:96 0-16
        """

    /// sipp's options to log every message it sends and receives to `file` (see `receivedMessages(in:)`).
    static func traceOptions(_ file: URL) -> [String] { ["-trace_msg", "-message_file", file.path] }

    /// The SIP messages sipp received, in order, from its `-trace_msg` log (LF line ends; a body follows a blank line).
    static func receivedMessages(in file: URL) -> [String] {
        guard let log = try? String(contentsOf: file, encoding: .utf8) else { return [] }
        // Each entry: a line of dashes with a timestamp, "UDP message received [N] bytes :", a blank line, the message.
        return log.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n-----------------------------------------------")
            .compactMap { entry -> String? in
                guard let header = entry.range(of: "message received ["), let start = entry.range(of: "\n\n", range: header.upperBound..<entry.endIndex)
                else { return nil }
                return String(entry[start.upperBound...]).trimmingCharacters(in: .newlines)
            }
    }

    /// The bodies of the 200 responses to INVITE among `messages`, by CSeq number, with CRLF line ends as on the wire.
    static func inviteAnswers(in messages: [String]) -> [Int: String] {
        var answers: [Int: String] = [:]
        for message in messages where message.hasPrefix("SIP/2.0 200") {
            let lines = message.split(separator: "\n", omittingEmptySubsequences: false)
            guard let cseq = lines.first(where: { $0.lowercased().hasPrefix("cseq:") })?.split(separator: " ").dropFirst(),
                cseq.count == 2, cseq.last == "INVITE", let number = Int(cseq.first ?? ""),
                let blank = message.range(of: "\n\n")
            else { continue }
            answers[number] = message[blank.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
        }
        return answers
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
        for (name, value) in fill.merging(["DOMAIN": domain, "MEDIA": Self.pcmuMedia], uniquingKeysWith: { a, _ in a }) {
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
        // sipp's digest uri defaults to sip:<remote ip>:<port>; the focus binds credentials to the Request-URI
        // (RFC 3261 §22.4), which the scenarios write as sip:[service]@[domain] (REGISTER: sip:[domain]), as phones do.
        arguments += ["-auth_uri", service.isEmpty ? domain : "\(service)@\(domain)"]
        for (k, v) in keys where k != "pause" { arguments += ["-key", k, v] }
        // <pause/> without a length pauses for -d milliseconds.
        arguments += ["-d", keys["pause"] ?? "300"]
        return arguments + extra
    }
}
