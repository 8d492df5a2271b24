import Focus
import Foundation
import MCUControl
import SIP
import SIPWire
import Testing
import TestSupport

/// The focus's admission rules against sipp as the caller: tenants by domain, digest in the tenant's realm, the
/// same 404 for a missing meeting and another tenant's, lock, capacity and quotas. One at a time (real sockets).
@Suite("Focus: joining", .serialized, .timeLimit(.minutes(3)))
struct FocusJoinTests {
    /// Three tenants: acme (members only, no ad hoc), globex (anonymous allowed), initech (one meeting at a time).
    static func tenants() -> FocusConfiguration {
        var focus = FocusConfiguration()
        // sipp 3.6 answers only MD5 challenges (SHA-256 is tested with the SIP stack's own client).
        focus.digestAlgorithms = [.md5]
        var acme = TenantConfiguration(id: "acme")
        acme.domains = ["acme.test"]
        acme.policy.anonymousJoin = false
        acme.policy.adHocMeetings = false
        // The dial-out tests call sipp on loopback and a partner domain whose DNS answer is loopback.
        acme.dialOut.allowedNetworks = ["127.0.0.0/8"]
        acme.dialOut.domains = ["partner.test"]
        acme.users = [
            UserConfiguration(name: "alice", displayName: "Alice A", password: "alice-pw"),
            UserConfiguration(name: "bob", password: "bob-pw"),
        ]
        var weekly = MeetingConfiguration(id: "weekly")
        weekly.organizer = "alice"
        var small = MeetingConfiguration(id: "small")
        small.policy = MeetingPolicyOverrides(maxParticipants: 1)
        acme.meetings = [weekly, small]
        var globex = TenantConfiguration(id: "globex")
        globex.domains = ["globex.test"]
        globex.policy.adHocMeetings = false
        globex.users = [UserConfiguration(name: "carol", password: "carol-pw")]
        var secret = MeetingConfiguration(id: "private")
        secret.organizer = "carol"
        globex.meetings = [secret]
        var initech = TenantConfiguration(id: "initech")
        initech.domains = ["initech.test"]
        initech.quotas.concurrentMeetings = 1
        focus.tenants = [acme, globex, initech]
        return focus
    }

    static let success = ["STATUS": "200", "ACK_VIA": "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
        "AFTER": """
        <pause/>
          <send retrans="500"><![CDATA[
              BYE sip:[service]@[domain] SIP/2.0
              Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
              From: "[user]" <sip:[user]@[domain]>;tag=[pid]SIPpTag00[call_number]
              [last_To:]
              Call-ID: [call_id]
              CSeq: 3 BYE
              Max-Forwards: 70
              Content-Length: 0

            ]]></send>
          <recv response="200"/>
        """]

    static func failure(_ status: Int) -> [String: String] { ["STATUS": "\(status)", "ACK_VIA": "[last_Via:]", "AFTER": ""] }

    @Test("a tenant user answers the digest challenge in the tenant's realm and joins as the meeting's organizer")
    func digestJoin() async throws {
        let server = try await InProcessServer.start(focus: Self.tenants())
        let port = server.port
        let call = Task.detached {
            try FocusSipp.run(
                "invite-auth", port: port, service: "weekly", domain: "acme.test", user: "alice", keys: ["pause": "2500"],
                fill: Self.success, extra: ["-au", "alice", "-ap", "alice-pw"])
        }
        var roster: [RosterEntry] = []
        for _ in 0..<100 {
            roster = await server.focus.liveConference(tenant: "acme", id: "weekly")?.roster ?? []
            if roster.first?.status == .connected { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let result = try await call.value
        await server.stop()
        #expect(result.status == 0, "sipp: \(result.output.suffix(1_500))")
        let alice = try #require(roster.first)
        #expect(alice.user == "alice" && alice.role == .organizer && alice.displayName == "Alice A")
        #expect(alice.uri == "sip:alice@acme.test" && alice.joiningMethod == .dialedIn)
        #expect(alice.media.first?.accepted == true)
    }

    @Test("a wrong password is refused 403 after the challenge")
    func wrongPassword() async throws {
        let server = try await InProcessServer.start(focus: Self.tenants())
        let result = try FocusSipp.run(
            "invite-auth", port: server.port, service: "weekly", domain: "acme.test", user: "alice", fill: Self.failure(403),
            extra: ["-au", "alice", "-ap", "not-the-password"])
        #expect(server.focus.participantCount == 0)
        await server.stop()
        #expect(result.status == 0, "sipp: \(result.output.suffix(1_500))")
    }

    @Test("a user of another tenant cannot authenticate in this tenant's realm")
    func crossTenantCredentials() async throws {
        let server = try await InProcessServer.start(focus: Self.tenants())
        let result = try FocusSipp.run(
            "invite-auth", port: server.port, service: "weekly", domain: "acme.test", user: "carol", fill: Self.failure(403),
            extra: ["-au", "carol", "-ap", "carol-pw"])
        await server.stop()
        #expect(result.status == 0, "carol (globex) is refused at acme: \(result.output.suffix(1_500))")
    }

    @Test("another tenant's meeting and a missing meeting get the same 404 Not Found")
    func otherTenantsMeetingIsNotFound() async throws {
        let server = try await InProcessServer.start(focus: Self.tenants())
        var fill = Self.failure(404)
        fill["STATUS"] = "404"
        // globex's "private" dialed at acme's domain, and a meeting nobody scheduled.
        let other = try FocusSipp.run("invite-refused", port: server.port, service: "private", domain: "acme.test", fill: fill)
        let missing = try FocusSipp.run("invite-refused", port: server.port, service: "nosuch", domain: "acme.test", fill: fill)
        // The meeting exists at its own tenant (anonymous callers allowed there).
        let own = try FocusSipp.run("invite", port: server.port, service: "private", domain: "globex.test", fill: [:])
        await server.stop()
        #expect(other.status == 0, "sipp: \(other.output.suffix(1_500))")
        #expect(missing.status == 0, "sipp: \(missing.output.suffix(1_500))")
        #expect(own.status == 0, "sipp: \(own.output.suffix(1_500))")
    }

    @Test("a locked meeting refuses attendees with 403")
    func locked() async throws {
        let server = try await InProcessServer.start(focus: Self.tenants())
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sipp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try FocusSipp.launch(
            "invite", port: server.port, service: "private", domain: "globex.test", user: "first", keys: ["pause": "3000"], directory: folder)
        let conference = try await waitForConference(server, tenant: "globex", id: "private", participants: 1)
        await server.focus.setLocked(conference, locked: true)
        let refused = try FocusSipp.run(
            "invite-refused", port: server.port, service: "private", domain: "globex.test", user: "late", fill: Self.failure(403))
        let firstResult = waitForProgram(first, timeout: 15)
        await server.stop()
        #expect(refused.status == 0, "sipp: \(refused.output.suffix(1_500))")
        #expect(firstResult.status == 0, "sipp: \(firstResult.output.suffix(1_500))")
    }

    @Test("a full meeting answers 486 Busy Here")
    func capacity() async throws {
        let server = try await InProcessServer.start(focus: Self.tenants())
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sipp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try FocusSipp.launch(
            "invite-auth", port: server.port, service: "small", domain: "acme.test", user: "alice", keys: ["pause": "3000"],
            fill: Self.success, extra: ["-au", "alice", "-ap", "alice-pw"], directory: folder)
        _ = try await waitForConference(server, tenant: "acme", id: "small", participants: 1)
        let busy = try FocusSipp.run(
            "invite-auth", port: server.port, service: "small", domain: "acme.test", user: "bob", fill: Self.failure(486),
            extra: ["-au", "bob", "-ap", "bob-pw"])
        let firstResult = waitForProgram(first, timeout: 15)
        await server.stop()
        #expect(busy.status == 0, "sipp: \(busy.output.suffix(1_500))")
        #expect(firstResult.status == 0, "sipp: \(firstResult.output.suffix(1_500))")
    }

    @Test("a tenant at its concurrent-meetings quota gets 503 with Retry-After for a new meeting")
    func quota() async throws {
        let server = try await InProcessServer.start(focus: Self.tenants())
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sipp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try FocusSipp.launch(
            "invite", port: server.port, service: "room-a", domain: "initech.test", keys: ["pause": "3000"], directory: folder)
        _ = try await waitForConference(server, tenant: "initech", id: "room-a", participants: 1)
        let refused = try FocusSipp.run(
            "invite-refused", port: server.port, service: "room-b", domain: "initech.test", fill: Self.failure(503))
        // Other tenants are not affected by initech's quota.
        let other = try FocusSipp.run("invite", port: server.port, service: "private", domain: "globex.test")
        let firstResult = waitForProgram(first, timeout: 15)
        await server.stop()
        #expect(refused.status == 0, "sipp: \(refused.output.suffix(1_500))")
        #expect(other.status == 0, "sipp: \(other.output.suffix(1_500))")
        #expect(firstResult.status == 0, "sipp: \(firstResult.output.suffix(1_500))")
    }
}

/// Waits until a conference has `participants` connected participants.
func waitForConference(_ server: InProcessServer, tenant: String, id: String, participants: Int, timeout: Double = 10) async throws
    -> FocusConference
{
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if let c = server.focus.liveConference(tenant: tenant, id: id), await c.roster.count(where: { $0.isInMix }) >= participants {
            return c
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw ConferenceTimeout(description: "\(tenant)/\(id) did not reach \(participants) participants in \(timeout) s")
}

struct ConferenceTimeout: Error, CustomStringConvertible { var description: String }
