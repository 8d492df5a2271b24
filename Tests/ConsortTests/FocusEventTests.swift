import ConferenceInfo
import Focus
import Foundation
import MCUControl
import SIP
import SIPWire
import Testing
import TestSupport

/// The conference event package (RFC 4575) against sipp as the subscriber: full state first, partial NOTIFYs as a
/// participant joins and leaves, unsubscribe with the final NOTIFY; every body validates against the RFC's schema
/// (xmllint) and rebuilds the roster a subscriber should hold.
@Suite("Focus: conference event package", .serialized, .timeLimit(.minutes(3)))
struct FocusEventTests {
    @Test("SUBSCRIBE: full state, partial NOTIFYs as someone joins and leaves, unsubscribe; every body schema-valid")
    func subscribeWatchesJoinAndLeave() async throws {
        let server = try await InProcessServer.start(focus: FocusJoinTests.tenants())
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sipp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let watcher = try FocusSipp.launch(
            "subscribe", port: server.port, service: "private", domain: "globex.test", user: "watcher",
            extra: ["-trace_msg", "-message_file", folder.appendingPathComponent("messages.log").path], directory: folder)
        for _ in 0..<200 where server.focus.subscriptions.count == 0 { try await Task.sleep(for: .milliseconds(25)) }
        #expect(server.focus.subscriptions.count == 1)
        let call = try FocusSipp.run("invite", port: server.port, service: "private", domain: "globex.test", user: "dana", keys: ["pause": "500"])
        let watched = waitForProgram(watcher, timeout: 20)
        let log = (try? String(contentsOf: folder.appendingPathComponent("messages.log"), encoding: .utf8)) ?? ""
        for _ in 0..<100 where server.focus.subscriptions.count > 0 { try await Task.sleep(for: .milliseconds(20)) }
        let remaining = server.focus.subscriptions.count
        await server.stop()
        #expect(call.status == 0, "caller: \(call.output.suffix(1_500))")
        #expect(watched.status == 0, "subscriber: \(watched.output.suffix(2_000))")
        #expect(remaining == 0, "the unsubscribe ended the subscription")

        let bodies = notifyBodies(in: log)
        #expect(bodies.count >= 4, "full, joined, left and final NOTIFYs: got \(bodies.count)")
        var subscriber = ConferenceInfoSubscriber()
        var sawDana = false
        for body in bodies {
            let validation = try validate(body)
            #expect(validation.status == 0, "schema: \(validation.output)\n\(body)")
            #expect(try subscriber.receive(xml: body) == .applied, "versions follow one another: \(body)")
            // dana calls anonymously with a globex.test From: unproven, she is shown outside the tenant's domain.
            if let dana = subscriber.users.first(where: { $0.entity == "sip:dana@anonymous.invalid" }) {
                sawDana = true
                #expect(dana.roles == ["attendee"])
            }
        }
        #expect(sawDana, "a partial NOTIFY showed the participant")
        let first = try ConferenceInfoDocument(xml: try #require(bodies.first))
        #expect(first.state == .full && first.version == 1 && first.userList.isEmpty)
        #expect(first.entity == "sip:private@globex.test" && first.description?.subject == "private")
        #expect(subscriber.users.isEmpty, "after the leave the roster is empty again")
    }

    /// The bodies of the NOTIFYs sipp received, in order, from its -trace_msg log.
    func notifyBodies(in log: String) -> [String] {
        var bodies: [String] = []
        for chunk in log.components(separatedBy: "\n-----------------------------------------------") {
            guard chunk.contains("message received"), let start = chunk.range(of: "NOTIFY sip:") else { continue }
            let message = chunk[start.lowerBound...]
            guard let split = message.range(of: "\n\n") ?? message.range(of: "\r\n\r\n") else { continue }
            let body = message[split.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
            if !body.isEmpty { bodies.append(body) }
        }
        return bodies
    }

    func validate(_ xml: String) throws -> (status: Int32, output: String) {
        let xmllint = try #require(tool("xmllint"), "xmllint is missing: make deps installs libxml2-utils")
        let schema = packageRoot.appendingPathComponent("Tests/ConferenceInfoTests/Schema/conference-info.xsd")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("consort-notify-\(UUID().uuidString).xml")
        try xml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try runProgram(xmllint, ["--noout", "--nonet", "--schema", schema.path, file.path], timeout: 20)
    }
}
