import Focus
import Foundation
import Glibc
import MCUControl
import SIP
import SIPWire
import Testing
import TestSupport

/// The focus against callers who play the attacker: a second loopback address (127.0.0.2, 127.0.0.3 …) stands for
/// another host. Each test bounds its own waits. What needs neither the embedded MCU nor real time is in FocusTests
/// (FocusHostileCallerTests, on the recording fake MCU and a test clock); what stays here measures the real stack.
@Suite("Focus: hostile callers", .serialized)
struct FocusHardeningTests {
    static func offer(port: Int = freePort(udpAndTCP: false), address: String = "127.0.0.1") -> String {
        "v=0\r\no=- 1 1 IN IP4 \(address)\r\ns=-\r\nc=IN IP4 \(address)\r\nt=0 0\r\nm=audio \(port) RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
    }

    static func client(_ address: String) async throws -> SIPUserAgent {
        var c = SIPConfiguration()
        c.address = address
        c.port = 0
        // The test's own phones: their stack must not rate-limit the server under test (phones have no such limit).
        c.requestsPerSecondPerSource = 0
        let agent = SIPUserAgent(configuration: c, logger: .init(label: "attacker"))
        _ = try await agent.start()
        Task { await agent.run() }  // its handlers; returns when the agent stops
        return agent
    }

    static func invite(_ agent: SIPUserAgent, _ uri: String, port: Int, credentials: SIPCredentials? = nil) async -> Result<SIPOutgoingCall, SIPError> {
        do {
            let peer = try SIPPeer(transport: .udp, ipAddress: "127.0.0.1", port: port)
            guard let target = SIPURI(uri) else { return .failure(SIPError(.rejected, "bad URI")) }
            let from = credentials.flatMap { SIPURI("sip:\($0.username)@\(target.host)") }.map { SIPNameAddress(uri: $0) }
            return .success(try await agent.invite(target, from: from, body: Array(offer().utf8), via: peer, credentials: credentials))
        } catch let error as SIPError {
            return .failure(error)
        } catch {
            return .failure(SIPError(.transportFailure, "\(error)"))
        }
    }
}

extension FocusHardeningTests {
    @Test("an anonymous SUBSCRIBE from a source that never answers earns at most 3x its bytes, however big the roster")
    func subscribeAmplification() async throws {
        let server = try await InProcessServer.start()
        // A roster worth stealing: three participants with long names.
        var calls: [SIPOutgoingCall] = []
        let peer = try SIPPeer(transport: .udp, ipAddress: "127.0.0.1", port: server.port)
        for i in 0..<3 {
            let from = try #require(SIPURI("sip:participant-with-a-long-name-\(i)@far-away-domain.test"))
            calls.append(
                try await server.agent.invite(
                    try #require(SIPURI("sip:big@127.0.0.1")), from: SIPNameAddress(displayName: "Participant Number \(i)", uri: from),
                    body: Array(Self.offer().utf8), via: peer))
        }
        let spoofed = try RawSIPSocket(address: "127.0.0.2")
        let subscribe = """
            SUBSCRIBE sip:big@127.0.0.1:\(server.port) SIP/2.0\r
            Via: SIP/2.0/UDP 127.0.0.2:\(spoofed.port);branch=z9hG4bK-spoof-1;rport\r
            Max-Forwards: 70\r
            From: <sip:victim@127.0.0.2>;tag=v1\r
            To: <sip:big@127.0.0.1>\r
            Call-ID: spoofed-subscribe-1\r
            CSeq: 1 SUBSCRIBE\r
            Contact: <sip:victim@127.0.0.2:\(spoofed.port)>\r
            Event: conference\r
            Accept: application/conference-info+xml\r
            Expires: 600\r
            Content-Length: 0\r
            \r

            """
        spoofed.send(subscribe, to: server.port)
        // Everything that comes back over 4*T1 (the probe's whole life) and a margin; the victim never answers.
        let back = spoofed.collect(for: 4)
        let subscriptionsLeft = server.focus.subscriptions.count
        for call in calls { _ = try? await call.dialog.bye() }
        await server.stop()
        let sent = subscribe.utf8.count
        let ratio = Double(back.bytes) / Double(sent)
        print("SUBSCRIBE amplification: \(sent) bytes in, \(back.bytes) bytes back in \(back.messages.count) datagrams: \(ratio)x")
        #expect(back.messages.contains { $0.hasPrefix("SIP/2.0 200") }, "the SUBSCRIBE was answered")
        #expect(!back.messages.contains { $0.contains("participant-with-a-long-name") }, "no roster for an unproven subscriber")
        #expect(ratio <= 3, "\(back.bytes) bytes back for \(sent): \(back.messages)")
        #expect(subscriptionsLeft == 0, "the unanswered probe ended the subscription")
    }
}

extension FocusHardeningTests {
    /// Calls `uri` with an offer for PCMU and telephone-event at `media`'s address; returns the call and the MCU's audio port.
    static func callWithDTMF(
        _ agent: SIPUserAgent, _ uri: String, media: TestPeer, server: InProcessServer
    ) async throws -> (SIPOutgoingCall, Int) {
        var sdp = offer(port: media.port, address: media.host)
        sdp = sdp.replacingOccurrences(of: "RTP/AVP 0\r\n", with: "RTP/AVP 0 101\r\n") + "a=rtpmap:101 telephone-event/8000\r\n"
        let peer = try SIPPeer(transport: .udp, ipAddress: "127.0.0.1", port: server.port)
        let call = try await agent.invite(try #require(SIPURI(uri)), body: Array(sdp.utf8), via: peer)
        let answer = String(decoding: call.response.body, as: UTF8.self)
        let port = try #require(answer.split(separator: "\r\n").first { $0.hasPrefix("m=audio ") }.flatMap { Int($0.split(separator: " ")[1]) })
        return (call, port)
    }
}

/// RFC 4733 key presses from a test peer to an MCU port: five packets per key, the last three with the E bit.
struct DTMFSender {
    let peer: TestPeer
    let port: Int
    var sequence: UInt16 = 0
    var timestamp: UInt32 = 1_000

    init(peer: TestPeer, port: Int) {
        self.peer = peer
        self.port = port
        peer.send(rtpPacket(seq: 0, ts: 0, ssrc: 0x77, payload: [UInt8](repeating: 0xFF, count: 160)), to: port)
        sequence = 1
    }

    mutating func press(_ key: Character) async throws {
        try await press(key, endPackets: 3)
    }

    /// A key press that stops at its first end packet (the moment the MCU reports the digit), for timing.
    mutating func pressUntilReported(_ key: Character) async throws {
        try await press(key, endPackets: 1)
    }

    private mutating func press(_ key: Character, endPackets: Int) async throws {
        let event: UInt8 = key == "*" ? 10 : key == "#" ? 11 : UInt8(String(key)) ?? 0
        for (i, end) in ([false, false] + Array(repeating: true, count: endPackets)).enumerated() {
            peer.send(rtpPacket(pt: 101, seq: sequence, ts: timestamp, ssrc: 0x77, payload: [event, end ? 0x80 | 10 : 10, 0x01, 0x40]), to: port)
            sequence &+= 1
            if i < 1 + endPackets { try await Task.sleep(for: .milliseconds(20)) }
        }
        timestamp &+= 1_000
    }

    mutating func type(_ keys: String) async throws {
        for key in keys { try await press(key) }
    }
}

extension FocusHardeningTests {
    @Test("nothing outlives its call: after many calls and subscriptions from several hosts the focus and its stack hold nothing")
    func nothingOutlivesItsCall() async throws {
        let calls = Int(ProcessInfo.processInfo.environment["CONSORT_FOCUS_LIFECYCLE_CALLS"] ?? "") ?? 400
        // Short timers (T1 = 20 ms) so transactions end within a second of their call.
        let server = try await InProcessServer.start(graceSeconds: 0, t1Milliseconds: 20)
        // Sixteen hosts: each call and subscription is about a dozen datagrams, and a source's rate is bounded.
        var clients: [SIPUserAgent] = []
        for host in 2...17 { clients.append(try await Self.client("127.0.0.\(host)")) }
        for client in clients {
            await client.setHandler(.notify) { incoming in await incoming.respond(200) }
        }
        let idle = await server.agent.stateCounts
        let peer = try SIPPeer(transport: .udp, ipAddress: "127.0.0.1", port: server.port)
        let residentBefore = Self.residentKilobytes()
        var failures: [String] = []
        for i in 0..<calls {
            let client = clients[i % clients.count]
            let room = "room\(i % 7)"
            let (response, subscription) = try await client.requestDialog(
                .subscribe, to: try #require(SIPURI("sip:\(room)@127.0.0.1")), headers: [("Event", "conference"), ("Expires", "60")], via: peer)
            let invited = await Self.invite(client, "sip:\(room)@127.0.0.1", port: server.port)
            guard case .success(let call) = invited, response.statusCode == 200 else {
                failures.append("\(i): SUBSCRIBE \(response.statusCode), INVITE \(invited)")
                continue
            }
            _ = try? await call.dialog.bye()
            _ = try? await subscription?.request(.subscribe, headers: [("Event", "conference"), ("Expires", "0")])
            if (i + 1) % 2_000 == 0 { print("after \(i + 1) calls: resident \(Self.residentKilobytes()) kB") }
        }
        var after = await server.agent.stateCounts
        for _ in 0..<100 where after.dialogs > idle.dialogs || after.serverTransactions + after.clientTransactions > 0 {
            try await Task.sleep(for: .milliseconds(50))
            after = await server.agent.stateCounts
        }
        let participants = server.focus.participantCount, subscriptions = server.focus.subscriptions.count
        print("after \(calls) calls: \(after); resident \(residentBefore) kB before, \(Self.residentKilobytes()) kB after (test process: focus, MCU and phones)")
        for _ in 0..<50 where !server.focus.liveConferences(tenant: nil).isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        let conferences = server.focus.liveConferences(tenant: nil).count
        let mcu = await server.mcu.load()
        for client in clients { await client.stop() }
        await server.stop()
        #expect(failures.isEmpty, "\(failures)")
        #expect(after.dialogs == idle.dialogs && after.serverTransactions == 0 && after.clientTransactions == 0, "\(after)")
        #expect(participants == 0 && subscriptions == 0 && conferences == 0, "focus: \(participants) calls, \(subscriptions) subscriptions, \(conferences) conferences")
        #expect(mcu.conferences == 0 && mcu.endpoints == 0, "MCU: \(mcu)")
    }
}

extension FocusHardeningTests {
    /// This process's resident memory (VmRSS), in kB.
    static func residentKilobytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }
}

/// A plain UDP socket on a chosen loopback address, for hand-made SIP: what an attacker sends.
final class RawSIPSocket {
    let fd: Int32
    let port: Int

    init(address: String) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr(address)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard descriptor >= 0, bound else { throw ConferenceTimeout(description: "cannot bind a UDP socket on \(address)") }
        fd = descriptor
        port = Int(UInt16(bigEndian: a.sin_port))
    }

    deinit { close(fd) }

    func send(_ text: String, to port: Int) {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { b in
            withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, b.baseAddress, b.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
    }

    /// The next datagram within `timeout` seconds, as text; nil when none came.
    func receive(timeout: Double) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1_000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }

    /// The first datagram that starts with `prefix` within `timeout` seconds (provisional answers are skipped).
    func receive(containing prefix: String, timeout: Double) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let text = receive(timeout: deadline.timeIntervalSinceNow) else { return nil }
            if text.hasPrefix(prefix) { return text }
        }
        return nil
    }

    /// Every datagram that arrives within `seconds`, with their total size in bytes.
    func collect(for seconds: Double) -> (messages: [String], bytes: Int) {
        let deadline = Date().addingTimeInterval(seconds)
        var messages: [String] = []
        var bytes = 0
        while deadline.timeIntervalSinceNow > 0, let text = receive(timeout: deadline.timeIntervalSinceNow) {
            messages.append(text)
            bytes += text.utf8.count
        }
        return (messages, bytes)
    }
}
