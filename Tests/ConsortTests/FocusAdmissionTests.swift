import Focus
import Foundation
import MCUControl
import Testing
import TestSupport

/// PIN entry by DTMF (RFC 4733 from sipp's play_dtmf) and the lobby (admit with a re-INVITE to sendrecv, deny with
/// BYE), against sipp as the caller. One at a time.
@Suite("Focus: PIN and lobby", .serialized, .timeLimit(.minutes(3)))
struct FocusAdmissionTests {
    static func tenants() -> FocusConfiguration {
        var focus = FocusConfiguration()
        focus.digestAlgorithms = [.md5]
        var initrode = TenantConfiguration(id: "initrode")
        initrode.domains = ["initrode.test"]
        initrode.policy.lobby = .anonymous
        initrode.policy.adHocMeetings = false
        initrode.users = [UserConfiguration(name: "olga", password: "olga-pw")]
        var pinned = MeetingConfiguration(id: "pinned")
        pinned.passcode = "4321"
        pinned.policy = MeetingPolicyOverrides(lobby: .off)
        var waiting = MeetingConfiguration(id: "waiting")
        waiting.organizer = "olga"
        initrode.meetings = [pinned, waiting]
        focus.tenants = [initrode]
        return focus
    }

    static let ack200 = """
          <send><![CDATA[
              SIP/2.0 200 OK
              [last_Via:]
              [last_From:]
              [last_To:]
              [last_Call-ID:]
              [last_CSeq:]
              Content-Length: 0

            ]]></send>
        """
    static let hangUp = """
          <pause/>
          <send retrans="500"><![CDATA[
              BYE sip:[service]@[domain] SIP/2.0
              Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
              From: "[user]" <sip:[user]@[domain]>;tag=[pid]SIPpTag00[call_number]
              To: <sip:[service]@[domain]>;tag=[$focustag]
              Call-ID: [call_id]
              CSeq: 2 BYE
              Max-Forwards: 70
              Content-Length: 0

            ]]></send>
          <recv response="200"/>
        """
    static let awaitBye = "  <recv request=\"BYE\"/>\n" + ack200
    static func typePIN(_ digits: String) -> String {
        "  <pause milliseconds=\"1500\"/>\n  <nop><action><exec play_dtmf=\"\(digits)\"/></action></nop>\n"
    }
    static let answerReINVITE = """
          <recv request="INVITE">
            <action><ereg regexp="a=sendrecv" search_in="body" check_it="true" assign_to="resumed"/></action>
          </recv>
          <Reference variables="resumed"/>
          <send><![CDATA[
              SIP/2.0 200 OK
              [last_Via:]
              [last_From:]
              [last_To:]
              [last_Call-ID:]
              [last_CSeq:]
              Contact: <sip:[user]@[local_ip]:[local_port]>
              Content-Type: application/sdp
              Content-Length: [len]

              v=0
              o=user1 53655765 2353687638 IN IP[local_ip_type] [local_ip]
              s=-
              c=IN IP[media_ip_type] [media_ip]
              t=0 0
              m=audio [media_port] RTP/AVP 0 96
              a=rtpmap:0 PCMU/8000
              a=rtpmap:96 telephone-event/8000

            ]]></send>
          <recv request="ACK"/>
        """

    func statuses(_ server: InProcessServer, _ meeting: String) async -> [ParticipantStatus] {
        await server.focus.liveConference(tenant: "initrode", id: meeting)?.roster.map(\.status) ?? []
    }

    func waitFor(_ status: ParticipantStatus, _ server: InProcessServer, _ meeting: String, timeout: Double = 10) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if await statuses(server, meeting).contains(status) { return true }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return false
    }

    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sipp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("the right PIN typed by DTMF takes the caller from pending (isolated) into the mix")
    func rightPIN() async throws {
        let server = try await InProcessServer.start(focus: Self.tenants())
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let call = try FocusSipp.launch(
            "invite-media", port: server.port, service: "pinned", domain: "initrode.test", user: "pat", keys: ["pause": "3000"],
            fill: ["ANSWER_CHECK": "a=sendrecv|m=audio", "AFTER": Self.typePIN("4321#") + Self.hangUp], directory: folder)
        let pending = await waitFor(.pending, server, "pinned")
        let stats = await server.mcu.statistics(ConferenceID(tenant: "initrode", meeting: "pinned"))
        let admitted = await waitFor(.connected, server, "pinned")
        let result = waitForProgram(call, timeout: 20)
        await server.stop()
        #expect(pending, "answered, typing the PIN")
        #expect(stats?.endpoints.first?.mode == .isolated, "while typing the PIN the caller is isolated at the MCU")
        #expect(admitted, "the right PIN admits")
        #expect(result.status == 0, "sipp: \(result.output.suffix(1_500))")
    }

    @Test("lobby: an anonymous caller waits (the MCU answers sendonly from the lobby mode) until admitted with the MCU's re-offer to sendrecv")
    func lobbyAdmit() async throws {
        let server = try await InProcessServer.start(focus: Self.tenants())
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let call = try FocusSipp.launch(
            "invite-media", port: server.port, service: "waiting", domain: "initrode.test", user: "guest", keys: ["pause": "1000"],
            fill: ["ANSWER_CHECK": "a=sendonly", "AFTER": Self.answerReINVITE + Self.hangUp], directory: folder)
        let pending = await waitFor(.pending, server, "waiting")
        guard let conference = server.focus.liveConference(tenant: "initrode", id: "waiting") else {
            let output = stopProgram(call).output
            await server.stop()
            Issue.record("the caller never reached the lobby; sipp: \(output.suffix(1_500))")
            return
        }
        let waiting = try #require(await conference.roster.first)
        #expect(await server.mcu.statistics(conference.id)?.endpoints.first?.mode == .lobby)
        try await server.focus.admit(conference, endpoint: waiting.endpoint)
        let admitted = await waitFor(.connected, server, "waiting")
        #expect(await server.mcu.statistics(conference.id)?.endpoints.first?.mode == .conference)
        // The phone's answer to the re-offer reached the MCU: the roster shows the direction it negotiated.
        var direction: String?
        for _ in 0..<200 {
            direction = await conference.roster.first?.media.first?.direction
            if direction == "sendrecv" { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(direction == "sendrecv", "\(String(describing: direction))")
        let result = waitForProgram(call, timeout: 20)
        await server.stop()
        #expect(pending && admitted)
        #expect(result.status == 0, "sipp: \(result.output.suffix(1_500))")
    }

    @Test("lobby: a denied caller gets BYE; admitting someone not in the lobby is a conflict")
    func lobbyDeny() async throws {
        let server = try await InProcessServer.start(focus: Self.tenants())
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let call = try FocusSipp.launch(
            "invite-media", port: server.port, service: "waiting", domain: "initrode.test", user: "guest",
            fill: ["ANSWER_CHECK": "a=sendonly", "AFTER": Self.awaitBye], directory: folder)
        guard await waitFor(.pending, server, "waiting"), let conference = server.focus.liveConference(tenant: "initrode", id: "waiting") else {
            let output = stopProgram(call).output
            await server.stop()
            Issue.record("the caller never waited in the lobby; sipp: \(output.suffix(1_500))")
            return
        }
        let waiting = try #require(await conference.roster.first)
        try await server.focus.deny(conference, endpoint: waiting.endpoint)
        let result = waitForProgram(call, timeout: 15)
        let error = await #expect(throws: ControlError.self) { try await server.focus.admit(conference, endpoint: waiting.endpoint) }
        await server.stop()
        #expect(result.status == 0, "sipp: \(result.output.suffix(1_500))")
        #expect(error?.code == .notFound)
    }
}
