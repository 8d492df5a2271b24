import Focus
import Foundation
import MCUControl
import SIP
import SIPWire
import Testing
import TestSupport

/// One tenant's misbehaving calls must not slow another tenant down: the focus handles each conference's events in
/// order, but never waits on a peer while other conferences wait on it.
@Suite("Focus: one tenant never waits for another", .serialized, .timeLimit(.minutes(2)))
struct FocusIsolationTests {
    static let pin = "2468"

    static func settings() -> FocusConfiguration {
        var settings = FocusConfiguration()
        var busy = TenantConfiguration(id: "busy")
        busy.domains = ["busy.test"]
        var calm = TenantConfiguration(id: "calm")
        calm.domains = ["calm.test"]
        var meeting = MeetingConfiguration(id: "board")
        meeting.passcode = pin
        calm.meetings = [meeting]
        settings.tenants = [busy, calm]
        // The storm comes from one host and the PIN callers from another: trusted, so per-source limits stay out of it.
        return settings
    }

    /// A call that answers nothing after its ACK (a BYE is never answered), and sends no media.
    static func silentCall(from socket: RawSIPSocket, index: Int, port: Int) -> Bool {
        let callID = "silent-\(index)-\(UUID().uuidString)"
        let sdp = FocusHardeningTests.offer(port: 9, address: "127.0.0.2")
        let invite = """
            INVITE sip:storm@busy.test SIP/2.0\r
            Via: SIP/2.0/UDP 127.0.0.2:\(socket.port);branch=z9hG4bK-\(callID);rport\r
            Max-Forwards: 70\r
            From: <sip:ghost\(index)@127.0.0.2>;tag=g\(index)\r
            To: <sip:storm@busy.test>\r
            Call-ID: \(callID)\r
            CSeq: 1 INVITE\r
            Contact: <sip:ghost\(index)@127.0.0.2:\(socket.port)>\r
            Content-Type: application/sdp\r
            Content-Length: \(sdp.utf8.count)\r
            \r

            """ + sdp
        socket.send(invite, to: port)
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            guard let answer = socket.receive(timeout: deadline.timeIntervalSinceNow) else { return false }
            guard answer.hasPrefix("SIP/2.0 200"), answer.contains(callID) else { continue }
            let to = answer.split(separator: "\r\n").first { $0.lowercased().hasPrefix("to:") }.map(String.init) ?? ""
            socket.send(
                """
                ACK sip:storm@127.0.0.1:\(port) SIP/2.0\r
                Via: SIP/2.0/UDP 127.0.0.2:\(socket.port);branch=z9hG4bK-ack-\(callID);rport\r
                Max-Forwards: 70\r
                From: <sip:ghost\(index)@127.0.0.2>;tag=g\(index)\r
                \(to)\r
                Call-ID: \(callID)\r
                CSeq: 1 ACK\r
                Content-Length: 0\r
                \r

                """, to: port)
            return true
        }
        return false
    }

    @Test("PIN admission in one tenant stays fast while 50 silent calls that ignore BYE time out in another")
    func pinAdmissionUnderAnotherTenantsStorm() async throws {
        let server = try await InProcessServer.start(
            focus: Self.settings(), graceSeconds: 1, mediaTimeoutSeconds: 1, trustedSources: ["127.0.0.2", "127.0.0.3"])
        let caller = try await FocusHardeningTests.client("127.0.0.3")

        let quiet = try await admissions(server, caller: caller, count: 5)

        // The storm: 50 calls that go silent; after 1 s without media the focus hangs up on each, and none answers
        // the BYE (retransmitted for 32 s).
        let storm = try RawSIPSocket(address: "127.0.0.2")
        var answered = 0
        for i in 0..<50 where Self.silentCall(from: storm, index: i, port: server.port) { answered += 1 }
        try await Task.sleep(for: .milliseconds(1_500))  // their media timeouts fire: 50 BYEs now go unanswered
        let loaded = try await admissions(server, caller: caller, count: 20)
        // The storm was real: every silent call was sent a BYE (and its retransmissions), none answered.
        let byes = Set(storm.collect(for: 0.3).messages.filter { $0.hasPrefix("BYE ") }.compactMap { message in
            message.split(separator: "\r\n").first { $0.hasPrefix("Call-ID:") }.map(String.init)
        })

        await caller.stop()
        await server.stop()
        func p(_ values: [Double], _ q: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded(.up)))]
        }
        print(
            "PIN admission (ms): quiet median \(p(quiet, 0.5)) max \(p(quiet, 1)); during the storm median \(p(loaded, 0.5)) p99 \(p(loaded, 0.99)) max \(p(loaded, 1))"
        )
        #expect(answered == 50, "the storm's calls were answered: \(answered)")
        #expect(byes.count == 50, "BYEs to the silent calls: \(byes.count)")
        #expect(p(loaded, 0.99) < 100, "p99 of PIN admission during another tenant's storm: \(loaded)")
    }

    /// Calls the PIN meeting `count` times, types the PIN and measures from the last packet of `#` to the roster
    /// showing the caller in the mix (milliseconds).
    func admissions(_ server: InProcessServer, caller: SIPUserAgent, count: Int) async throws -> [Double] {
        var measured: [Double] = []
        for _ in 0..<count {
            let media = TestPeer(host: "127.0.0.3")
            let (call, port) = try await FocusHardeningTests.callWithDTMF(caller, "sip:board@calm.test", media: media, server: server)
            let conference = try #require(server.focus.liveConference(tenant: "calm", id: "board"))
            var dtmf = DTMFSender(peer: media, port: port)
            try await dtmf.type(Self.pin)
            try await dtmf.pressUntilReported("#")
            let started = ContinuousClock.now
            var admitted: Duration?
            while ContinuousClock.now - started < .seconds(3) {
                if await conference.roster.contains(where: { $0.isInMix }) {
                    admitted = ContinuousClock.now - started
                    break
                }
                try await Task.sleep(for: .milliseconds(2))
            }
            _ = try? await call.dialog.bye()
            let elapsed = try #require(admitted, "the PIN caller was never let in")
            measured.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1_000)
            // Let the conference go before the next caller, so each one is alone in it.
            for _ in 0..<100 where await conference.roster.isEmpty == false { try await Task.sleep(for: .milliseconds(10)) }
        }
        return measured
    }
}
