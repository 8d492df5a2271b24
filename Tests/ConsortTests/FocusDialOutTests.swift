import Focus
import Foundation
import MCUControl
import SIP
import SIPWire
import Testing
import TestSupport

/// The registrar, dial-out and REFER (RFC 4579 §5.5) against sipp: a user registers, the focus calls them; an
/// organizer REFERs the focus to a `sipp -sn uas` and to remove a participant. One at a time.
@Suite("Focus: registrar, dial-out and REFER", .serialized, .timeLimit(.minutes(3)))
struct FocusDialOutTests {
    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sipp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    static let registered = ["STATUS": "200", "EXPIRES": "300", "CHECK": "Contact: .sip:bob@127.0.0.1:[0-9]+.;expires=(300|29[0-9])"]

    @Test("REGISTER with digest, then dial-out reaches the registered contact: dialing-out, alerting, connected")
    func registerThenDialOut() async throws {
        let server = try await InProcessServer.start(focus: FocusJoinTests.tenants())
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let phonePort = freePort(udpAndTCP: false)
        let phone = try FocusSipp.launchAnswerer(port: phonePort, directory: folder)
        var fill = Self.registered
        fill["CONTACT"] = "sip:bob@127.0.0.1:\(phonePort)"
        let registration = try FocusSipp.run(
            "register", port: server.port, service: "", domain: "acme.test", user: "bob", fill: fill, extra: ["-au", "bob", "-ap", "bob-pw"])
        #expect(registration.status == 0, "register: \(registration.output.suffix(1_500))")
        let bindings = try await server.store.registrations(tenant: "acme", user: "bob", now: Date().timeIntervalSince1970)
        #expect(bindings.map(\.contact) == ["sip:bob@127.0.0.1:\(phonePort)"])

        let conference = try server.focus.conference(tenant: "acme", id: "weekly")
        let endpoint = try await server.focus.dialOut(conference, to: "sip:bob@acme.test", requestedBy: "alice")
        var seen: [ParticipantStatus] = []
        for _ in 0..<200 {
            if let status = await conference.roster.first(where: { $0.endpoint == endpoint })?.status, seen.last != status {
                seen.append(status)
            }
            if seen.last == .connected { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        let bob = await conference.roster.first { $0.endpoint == endpoint }
        await server.focus.end(conference)
        let answered = waitForProgram(phone, timeout: 15)
        let unregistered = await #expect(throws: ControlError.self) {
            _ = try await server.focus.dialOut(conference, to: "sip:alice@acme.test", requestedBy: nil)
        }
        await server.stop()
        #expect(seen.first == .dialingOut && seen.last == .connected, "statuses: \(seen)")
        #expect(bob?.joiningMethod == .dialedOut && bob?.user == "bob")
        #expect(answered.status == 0, "the phone took the call and the BYE: \(answered.output.suffix(1_500))")
        #expect(unregistered?.code == .notFound, "alice is not registered")
    }

    @Test("dial-out to another domain locates its server by SRV, then A (RFC 3263), and the callee joins")
    func dialOutBySRV() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let calleePort = freePort(udpAndTCP: false)
        let callee = try FocusSipp.launchAnswerer(port: calleePort, directory: folder)
        let script = packageRoot.appendingPathComponent("Tests/SIPTests/Scripts/dns_server.py").path
        let dns = try launchProgram(
            "/usr/bin/python3",
            [script, "--port", "0", "--seconds", "60", "SRV _sip._udp.partner.test 10 50 \(calleePort) pbx.partner.test", "A pbx.partner.test 127.0.0.1"])
        defer { _ = stopProgram(dns, grace: 0.3) }
        var dnsPort = 0
        for _ in 0..<200 where dnsPort == 0 {
            let log = (try? String(contentsOf: dns.1, encoding: .utf8)) ?? ""
            dnsPort = log.split(separator: "\n").first { $0.hasPrefix("READY ") }.flatMap { Int($0.dropFirst(6)) } ?? 0
            if dnsPort == 0 { try await Task.sleep(for: .milliseconds(20)) }
        }
        let server = try await InProcessServer.start(focus: FocusJoinTests.tenants(), nameservers: ["127.0.0.1:\(dnsPort)"])
        let conference = try server.focus.conference(tenant: "acme", id: "weekly")
        let endpoint = try await server.focus.dialOut(conference, to: "sip:carl@partner.test", requestedBy: "alice")
        var status: ParticipantStatus?
        for _ in 0..<250 where status != .connected {
            status = await conference.roster.first { $0.endpoint == endpoint }?.status
            try await Task.sleep(for: .milliseconds(20))
        }
        await server.focus.end(conference)
        let answered = waitForProgram(callee, timeout: 15)
        await server.stop()
        #expect(status == .connected, "the callee found by SRV answered")
        #expect(answered.status == 0, "callee: \(answered.output.suffix(1_500))")
    }

    @Test("REGISTER for another user's address is refused 403; Expires below the minimum is 423")
    func registerRefusals() async throws {
        let server = try await InProcessServer.start(focus: FocusJoinTests.tenants())
        var fill = Self.registered
        fill["CONTACT"] = "sip:bob@127.0.0.1:5999"
        fill["STATUS"] = "403"
        fill["CHECK"] = "403"
        // alice's credentials for bob's address.
        let wrongUser = try FocusSipp.run(
            "register", port: server.port, service: "", domain: "acme.test", user: "bob", fill: fill, extra: ["-au", "alice", "-ap", "alice-pw"])
        fill["STATUS"] = "423"
        fill["CHECK"] = "Min-Expires: 60"
        fill["EXPIRES"] = "10"
        let brief = try FocusSipp.run(
            "register", port: server.port, service: "", domain: "acme.test", user: "bob", fill: fill, extra: ["-au", "bob", "-ap", "bob-pw"])
        await server.stop()
        #expect(wrongUser.status == 0, "sipp: \(wrongUser.output.suffix(1_500))")
        #expect(brief.status == 0, "sipp: \(brief.output.suffix(1_500))")
    }

    static func refer(_ target: String) -> String {
        """
          <pause milliseconds="300"/>
          <send retrans="500"><![CDATA[
              REFER sip:[service]@[remote_ip]:[remote_port] SIP/2.0
              Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
              From: "[user]" <sip:[user]@[domain]>;tag=[pid]SIPpTag00[call_number]
              To: <sip:[service]@[domain]>;tag=[$focustag]
              Call-ID: [call_id]
              CSeq: 3 REFER
              Contact: <sip:[user]@[local_ip]:[local_port]>
              Refer-To: <\(target)>
              Referred-By: <sip:[user]@[domain]>
              Max-Forwards: 70
              Content-Length: 0

            ]]></send>
          <recv response="202"/>
          <recv request="NOTIFY">
            <action><ereg regexp="SIP/2.0 100" search_in="body" check_it="true" assign_to="trying"/></action>
          </recv>
          <Reference variables="trying"/>
        \(FocusAdmissionTests.ack200)
          <recv request="NOTIFY">
            <action>
              <ereg regexp="SIP/2.0 200" search_in="body" check_it="true" assign_to="done"/>
              <ereg regexp="terminated" search_in="hdr" header="Subscription-State:" check_it="true" assign_to="over"/>
            </action>
          </recv>
          <Reference variables="done,over"/>
        \(FocusAdmissionTests.ack200)
          <send retrans="500"><![CDATA[
              BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
              Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
              From: "[user]" <sip:[user]@[domain]>;tag=[pid]SIPpTag00[call_number]
              To: <sip:[service]@[domain]>;tag=[$focustag]
              Call-ID: [call_id]
              CSeq: 4 BYE
              Max-Forwards: 70
              Content-Length: 0

            ]]></send>
          <recv response="200"/>
        """
    }

    @Test("the organizer REFERs the focus to a sipp -sn uas: 202, NOTIFY 100 Trying, NOTIFY 200 OK; the callee is in")
    func referDialOut() async throws {
        let server = try await InProcessServer.start(focus: FocusJoinTests.tenants())
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let calleePort = freePort(udpAndTCP: false)
        let callee = try FocusSipp.launchAnswerer(port: calleePort, directory: folder)
        var fill = FocusJoinTests.success
        fill["AFTER"] = Self.refer("sip:carl@127.0.0.1:\(calleePort)")
        let organizer = try FocusSipp.run(
            "invite-auth", port: server.port, service: "weekly", domain: "acme.test", user: "alice", fill: fill,
            extra: ["-au", "alice", "-ap", "alice-pw"])
        let conference = try #require(server.focus.liveConference(tenant: "acme", id: "weekly"))
        let roster = await conference.roster
        await server.focus.end(conference)
        let answered = waitForProgram(callee, timeout: 15)
        await server.stop()
        #expect(organizer.status == 0, "organizer: \(organizer.output.suffix(1_500))")
        #expect(roster.contains { $0.uri == "sip:carl@127.0.0.1" && $0.status == .connected && $0.joiningMethod == .dialedOut })
        #expect(answered.status == 0, "callee: \(answered.output.suffix(1_500))")
    }

    @Test("REFER with method=BYE removes a participant; an attendee's REFER is refused 403")
    func referEject() async throws {
        let server = try await InProcessServer.start(focus: FocusJoinTests.tenants())
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var bobFill = FocusJoinTests.success
        bobFill["AFTER"] = FocusAdmissionTests.awaitBye
        let bob = try FocusSipp.launch(
            "invite-auth", port: server.port, service: "weekly", domain: "acme.test", user: "bob", fill: bobFill,
            extra: ["-au", "bob", "-ap", "bob-pw"], directory: folder)
        _ = try await waitForConference(server, tenant: "acme", id: "weekly", participants: 1)
        var aliceFill = FocusJoinTests.success
        aliceFill["AFTER"] = Self.refer("sip:bob@acme.test;method=BYE")
        let alice = try FocusSipp.run(
            "invite-auth", port: server.port, service: "weekly", domain: "acme.test", user: "alice", fill: aliceFill,
            extra: ["-au", "alice", "-ap", "alice-pw"])
        let ejected = waitForProgram(bob, timeout: 15)
        // Out of dialog, with bob's own credentials (SHA-256 or MD5 through the stack's client): attendees may not.
        let peer = try SIPPeer(transport: .udp, ipAddress: "127.0.0.1", port: server.port)
        let attendee = try await server.agent.request(
            .refer, to: try #require(SIPURI("sip:weekly@acme.test")), headers: [("Refer-To", "<sip:carl@127.0.0.1:5999>")], via: peer,
            credentials: SIPCredentials(username: "bob", password: "bob-pw"))
        let anonymous = try await server.agent.request(
            .refer, to: try #require(SIPURI("sip:weekly@acme.test")), headers: [("Refer-To", "<sip:carl@127.0.0.1:5999>")], via: peer)
        await server.stop()
        #expect(attendee.statusCode == 403, "\(attendee.statusCode) \(attendee.reason)")
        #expect(anonymous.statusCode == 401)
        #expect(alice.status == 0, "organizer: \(alice.output.suffix(1_500))")
        #expect(ejected.status == 0, "bob got the BYE: \(ejected.output.suffix(1_500))")
    }
}
