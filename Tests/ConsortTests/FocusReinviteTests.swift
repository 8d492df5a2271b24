import Focus
import Foundation
import MCUControl
import SRTP
import Testing
import TestSupport

/// Requests a sipp caller sends inside the dialog invite-media.xml opened (the focus's tag is in `[$focustag]`), as
/// scenario text for its `{{AFTER}}`.
enum SippDialog {
    /// A request with an optional SDP body whose `o=` line keeps invite-media.xml's session ID with `version` (sipp
    /// trims each line and fills in `[len]`).
    static func request(_ method: String, cseq: Int, version: Int? = nil, media: String? = nil) -> String {
        var lines = [
            "\(method) sip:[service]@[domain] SIP/2.0",
            "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
            "From: \"[user]\" <sip:[user]@[domain]>;tag=[pid]SIPpTag00[call_number]",
            "To: <sip:[service]@[domain]>;tag=[$focustag]",
            "Call-ID: [call_id]",
            "CSeq: \(cseq) \(method)",
            "Contact: <sip:[user]@[local_ip]:[local_port]>",
            "Max-Forwards: 70",
        ]
        if let version, let media {
            lines += [
                "Content-Type: application/sdp", "Content-Length: [len]", "",
                "v=0", "o=user1 53655765 \(version) IN IP[local_ip_type] [local_ip]", "s=-", "c=IN IP[media_ip_type] [media_ip]", "t=0 0",
                media,
            ]
        } else {
            lines += ["Content-Length: 0"]
        }
        return lines.joined(separator: "\n") + "\n\n"
    }

    /// After `pause` ms, a re-INVITE with `media` (o= version `version`), its 200 and the ACK.
    static func reINVITE(cseq: Int, version: Int, media: String, pause: Int) -> String {
        """
          <pause milliseconds="\(pause)"/>
          <send retrans="500"><![CDATA[
        \(request("INVITE", cseq: cseq, version: version, media: media))    ]]></send>
          <recv response="100" optional="true"/>
          <recv response="200"/>
          <send><![CDATA[
        \(request("ACK", cseq: cseq))    ]]></send>

        """
    }

    /// After `pause` ms, a BYE and its 200.
    static func bye(cseq: Int, pause: Int) -> String {
        """
          <pause milliseconds="\(pause)"/>
          <send retrans="500"><![CDATA[
        \(request("BYE", cseq: cseq))    ]]></send>
          <recv response="200"/>

        """
    }
}

/// Re-INVITEs from a real SIP client (issue 10, Tests): sipp joins a meeting of the in-process focus and MCU with an
/// SDES-SRTP Opus offer, then re-offers. The answers are read from sipp's message trace: a session refresh keeps the
/// o= session (version + 1), the port and the key; a new key from the phone gets a new key back; a=inactive is
/// answered inactive and the MCU stops sending.
@Suite("Focus: re-INVITEs from sipp (SDES-SRTP, Opus)", .serialized, .timeLimit(.minutes(2)))
struct FocusReinviteTests {
    /// invite-media.xml's o= version.
    static let initialVersion = 2_353_687_637
    let sdp = RenegotiationTests()

    static func newKey() throws -> String { try SRTPKeyMaterial.random(profile: .aesCM128HMACSHA1_80).inlineKeyParameter }

    static func media(key: String, direction: String = "sendrecv") -> String {
        """
        m=audio [media_port] RTP/SAVP 111
        a=rtpmap:111 opus/48000/2
        a=fmtp:111 useinbandfec=1
        a=crypto:1 AES_CM_128_HMAC_SHA1_80 \(key)
        a=\(direction)
        """
    }

    /// The answers (200 bodies by CSeq) and sipp's result of one call: a join with `media`, then `after`. `during` runs
    /// while sipp does.
    func call(
        _ server: InProcessServer, meeting: String, media: String, after: String, during: () async throws -> Void = {}
    ) async throws -> (answers: [Int: String], status: Int32, output: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sipp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let trace = folder.appendingPathComponent("messages.log")
        let sipp = try FocusSipp.launch(
            "invite-media", port: server.port, service: meeting, domain: "consort.test", user: "caller",
            fill: ["MEDIA": media, "ANSWER_CHECK": "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:", "AFTER": after],
            extra: FocusSipp.traceOptions(trace), directory: folder)
        do {
            try await during()
        } catch {
            _ = stopProgram(sipp)
            throw error
        }
        let result = waitForProgram(sipp, timeout: 20)
        return (FocusSipp.inviteAnswers(in: FocusSipp.receivedMessages(in: trace)), result.status, result.output)
    }

    /// Runs `body` against a fresh in-process server (the MCU keeps sending to a phone that never sends, as sipp with
    /// SRTP cannot), stopping the server whatever happens.
    func withServer<T>(_ body: (InProcessServer) async throws -> T) async throws -> T {
        let server = try await InProcessServer.start(adjustMedia: { media, _ in media.unverifiedSendSeconds = 60 })
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    func audioPort(_ sdp: String) -> Int? {
        sdp.split(separator: "\r\n").first { $0.hasPrefix("m=audio ") }?.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }

    /// The first answer and the re-INVITE's (CSeq 1 and 2), after checking that sipp saw both; the re-answer keeps the
    /// o= session ID, has the version + 1 and keeps the audio port.
    func expectSameSession(_ run: (answers: [Int: String], status: Int32, output: String)) throws -> (first: String, second: String) {
        #expect(run.status == 0, "sipp: \(run.output.suffix(1_500))")
        let first = try #require(run.answers[1], "no 200 to the INVITE; sipp: \(run.output.suffix(1_500))")
        let second = try #require(run.answers[2], "no 200 to the re-INVITE; sipp: \(run.output.suffix(1_500))")
        let (a, b) = (sdp.origin(first), sdp.origin(second))
        #expect(!a.id.isEmpty && b.id == a.id, "o= session ID: \(a.id), then \(b.id)")
        #expect(UInt64(b.version) == UInt64(a.version).map { $0 + 1 }, "o= version: \(a.version), then \(b.version)")
        #expect(audioPort(first) != nil && audioPort(second) == audioPort(first), "m=audio port: \(audioPort(first) ?? -1), then \(audioPort(second) ?? -1)")
        #expect(sdp.key(first) != nil, "the first answer has a key: \(first)")
        return (first, second)
    }

    @Test("a re-INVITE with the unchanged SRTP offer: same o= session, version + 1, same port, same key")
    func unchangedOffer() async throws {
        let media = Self.media(key: try Self.newKey())
        let after = SippDialog.reINVITE(cseq: 2, version: Self.initialVersion, media: media, pause: 500) + SippDialog.bye(cseq: 3, pause: 300)
        let run = try await withServer { try await call($0, meeting: "refresh", media: media, after: after) }
        let (first, second) = try expectSameSession(run)
        #expect(sdp.key(second) == sdp.key(first), "the MCU kept its key: \(sdp.key(first) ?? "-"), then \(sdp.key(second) ?? "-")")
        #expect(sdp.direction(second) == "sendrecv")
    }

    @Test("a re-INVITE with a new key from the phone: a new key answered, same o= session (version + 1) and port")
    func changedKey() async throws {
        let media = Self.media(key: try Self.newKey())
        let rekeyed = Self.media(key: try Self.newKey())
        let after = SippDialog.reINVITE(cseq: 2, version: Self.initialVersion + 1, media: rekeyed, pause: 500) + SippDialog.bye(cseq: 3, pause: 300)
        let run = try await withServer { try await call($0, meeting: "rekey", media: media, after: after) }
        let (first, second) = try expectSameSession(run)
        #expect(sdp.key(second) != nil && sdp.key(second) != sdp.key(first), "a new key: \(sdp.key(first) ?? "-"), then \(sdp.key(second) ?? "-")")
        #expect(sdp.direction(second) == "sendrecv")
    }

    @Test("a re-INVITE with a=inactive: answered a=inactive with the same session, port and key; the MCU stops sending to the phone")
    func inactive() async throws {
        let media = Self.media(key: try Self.newKey())
        let held = media.replacingOccurrences(of: "a=sendrecv", with: "a=inactive")
        let after = SippDialog.reINVITE(cseq: 2, version: Self.initialVersion + 1, media: held, pause: 2_000) + SippDialog.bye(cseq: 3, pause: 2_500)
        var sentBefore: UInt64 = 0
        var sentDuring: UInt64 = .max
        let run = try await withServer { server in
            try await call(server, meeting: "inactive", media: media, after: after) {
                // Packets the MCU sent the phone over `interval`, from 300 ms after the caller's entry satisfies `ready`.
                func sent(over interval: Duration, when ready: (RosterEntry) -> Bool) async throws -> UInt64? {
                    guard let (conference, entry) = try await server.rosterEntry(meeting: "inactive", where: ready) else { return nil }
                    try await Task.sleep(for: .milliseconds(300))
                    let count = { await server.mcu.statistics(conference.id)?.endpoints.first { $0.endpoint == entry.endpoint }?.packetsSent }
                    guard let start = await count() else { return nil }
                    try await Task.sleep(for: interval)
                    return await count().map { $0 - start }
                }
                sentBefore = try await sent(over: .milliseconds(600)) { $0.status == .connected } ?? 0
                sentDuring = try await sent(over: .seconds(1)) { $0.media.first?.direction == "inactive" } ?? .max
            }
        }
        let (first, second) = try expectSameSession(run)
        #expect(sdp.direction(second) == "inactive", "answered: \(second)")
        #expect(sdp.key(second) == sdp.key(first), "the phone kept its key, so does the MCU")
        #expect(sentBefore >= 10, "before the re-INVITE the MCU sent to the phone: \(sentBefore) packets in 0.6 s")
        #expect(sentDuring == 0, "inactive: the MCU sent \(sentDuring == .max ? "?" : "\(sentDuring)") packets in 1 s")
    }
}
