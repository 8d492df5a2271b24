import NIOCore
import Testing

@testable import SIP
import SIPWire

@Suite("Transactions (RFC 3261 §17) and UAS rules (§8.2) on virtual time")
struct TransactionTests {
    @Test("non-INVITE client: timer E retransmits at T1 doubling to T2, timer F fails it after 64·T1")
    func nonInviteClientTimers() throws {
        let h = StackHarness()
        let request = SIPRequest(method: .options, uri: try #require(SIPURI("sip:x@127.0.0.1:5070")), headers: Self.clientHeaders(.options))
        let future = h.stack.startClientTransaction(request, to: h.peer, onProvisional: nil)
        var failure: (any Error)?
        future.whenFailure { failure = $0 }
        var sendTimes: [Int64] = h.wire.requests.isEmpty ? [] : [0]
        for ms in stride(from: 100, through: 32_000, by: 100) {
            let before = h.wire.requests.count
            h.advance(.milliseconds(100))
            if h.wire.requests.count > before { sendTimes.append(Int64(ms)) }
        }
        // 0 (initial), then 500, 1500, 3500, 7500, 11500, … every 4 s.
        #expect(Array(sendTimes.prefix(6)) == [0, 500, 1_500, 3_500, 7_500, 11_500])
        #expect((failure as? SIPError)?.code == .timeout)
    }

    @Test("INVITE client: timer A doubles without cap; a 1xx stops it; a 486 is ACKed with the same branch")
    func inviteClient() throws {
        let h = StackHarness()
        let request = SIPRequest(method: .invite, uri: try #require(SIPURI("sip:x@127.0.0.1:5070")), headers: Self.clientHeaders(.invite))
        let future = h.stack.startClientTransaction(request, to: h.peer, onProvisional: nil)
        var final: SIPResponse?
        future.whenSuccess { final = $0 }
        h.advance(.milliseconds(500))
        h.advance(.milliseconds(1_000))
        #expect(h.wire.requests.count == 3)
        let sent = try #require(h.wire.requests.first)
        let branch = try #require(sent.topVia?.branch)
        h.deliver(Self.response(to: sent, status: 180))
        h.advance(.seconds(10))
        #expect(h.wire.requests.count == 3, "no retransmission after a provisional response")
        h.deliver(Self.response(to: sent, status: 486))
        #expect(final?.statusCode == 486)
        let ack = try #require(h.wire.requests.last)
        #expect(ack.method == .ack && ack.topVia?.branch == branch && ack.to?.tag == "callee")
    }

    /// An INVITE the size a phone sends (with its SDP offer): what answering may send back is bounded by what arrived
    /// (3×, see AmplificationTests), so the retransmission timers below are checked for a request of realistic size.
    static let offer = (["v=0", "o=phone 2890844526 2890844526 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
        "m=audio 49170 RTP/AVP 111 9 0 8 101", "a=rtpmap:111 opus/48000/2", "a=fmtp:111 useinbandfec=1", "a=rtpmap:9 G722/8000",
        "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20",
        "a=sendrecv", "a=rtcp-mux", "a=ssrc:3735928559 cname:phone-0123456789abcdef"].joined(separator: "\n")) + "\n"

    @Test("INVITE server: 100 at once, a retransmitted INVITE repeats the last response, 2xx retransmits until ACK")
    func inviteServer2xx() throws {
        let h = StackHarness()
        h.deliver(StackHarness.request("INVITE", body: Self.offer))
        #expect(h.wire.responses.map(\.statusCode) == [100])
        let t = try #require(h.stack.serverTransactions.values.first)
        h.stack.respond(t, statusCode: 180)
        h.deliver(StackHarness.request("INVITE", body: Self.offer))  // retransmission
        #expect(h.wire.responses.map(\.statusCode) == [100, 180, 180])
        h.stack.respond(t, statusCode: 200, body: Array("v=0\r\n".utf8), contentType: "application/sdp")
        h.wire.clear()
        h.advance(.milliseconds(500))
        h.advance(.milliseconds(1_000))
        h.advance(.milliseconds(2_000))
        #expect(h.wire.responses.filter { $0.statusCode == 200 }.count == 3, "2xx at T1, 2·T1, 4·T1 (RFC 3261 §13.3.1.4)")
        let toTag = try #require(h.wire.responses.last?.to?.tag)
        h.deliver(StackHarness.request("ACK", branch: "z9hG4bK-ack", toTag: toTag))
        h.wire.clear()
        h.advance(.seconds(10))
        #expect(h.wire.responses.isEmpty, "the ACK stopped the retransmissions")
        #expect(h.stack.dialogs.count == 1)
    }

    // Changed with issue 9: over UDP the caller's address may be forged, and a BYE retransmitted for 64·T1 to an
    // address that never answered would amplify; RFC 3261 §13.3.1.4 says SHOULD, and the session ends either way.
    @Test("a 2xx never ACKed over UDP is given up after 64·T1: the dialog ends, without a BYE to the silent address")
    func noACKEndsDialog() throws {
        let h = StackHarness()
        h.deliver(StackHarness.request("INVITE", body: Self.offer))
        let t = try #require(h.stack.serverTransactions.values.first)
        h.stack.respond(t, statusCode: 200, body: Array("v=0\r\n".utf8), contentType: "application/sdp")
        for _ in 0..<70 { h.advance(.seconds(1)) }
        #expect(!h.wire.requests.contains { $0.method == .bye })
        #expect(h.stack.dialogs.isEmpty)
        #expect(h.stack.serverTransactions.isEmpty)
    }

    @Test("a non-2xx final response to INVITE is retransmitted (timer G) until the ACK, which is absorbed")
    func inviteServerFailure() throws {
        let h = StackHarness()
        h.deliver(StackHarness.request("INVITE", body: Self.offer))
        let t = try #require(h.stack.serverTransactions.values.first)
        h.stack.respond(t, statusCode: 486)
        h.wire.clear()
        h.advance(.milliseconds(500))
        h.advance(.milliseconds(1_000))
        #expect(h.wire.responses.map(\.statusCode) == [486, 486])
        let toTag = try #require(h.wire.responses.last?.to?.tag)
        h.deliver(StackHarness.request("ACK", toTag: toTag))
        h.wire.clear()
        h.advance(.seconds(8))
        #expect(h.wire.responses.isEmpty)
    }

    @Test("default timers, 40 s of virtual time: an INVITE from a source that never answers gets back at most 3× its bytes", arguments: [486, 200])
    func amplificationBound(status: Int) throws {
        let h = StackHarness()
        let invite = StackHarness.request("INVITE", body: "v=0\no=- 1 1 IN IP4 127.0.0.2\ns=-\nc=IN IP4 127.0.0.2\nt=0 0\nm=audio 9 RTP/AVP 0\n")
        h.deliver(invite)
        let t = try #require(h.stack.serverTransactions.values.first)
        h.stack.respond(t, statusCode: status, body: status == 200 ? Array(Self.offer.utf8) : [], contentType: "application/sdp")
        for _ in 0..<400 { h.advance(.milliseconds(100)) }
        let sent = invite.replacingOccurrences(of: "\n", with: "\r\n").utf8.count
        let back = h.wire.raw.reduce(0) { $0 + $1.utf8.count }
        #expect(back <= 3 * sent, "\(back) bytes back for \(sent)")
        #expect(h.stack.serverTransactions.isEmpty && h.stack.dialogs.isEmpty, "nothing kept after timer H / 64·T1")
    }

    @Test("CANCEL: 200 for the CANCEL, 487 for the INVITE; a CANCEL matching nothing gets 481 (RFC 3261 §9.2)")
    func cancel() throws {
        let h = StackHarness()
        h.deliver(StackHarness.request("INVITE"))
        h.deliver(StackHarness.request("CANCEL"))
        #expect(h.wire.responses.map(\.statusCode) == [100, 200, 487])
        #expect(h.wire.responses.last?.cseq?.method == .invite)
        h.deliver(StackHarness.request("CANCEL", branch: "z9hG4bK-other"))
        #expect(h.wire.responses.last?.statusCode == 481)
    }

    @Test("the same request arriving by another path is a merged request: 482 (RFC 3261 §8.2.2.2)")
    func loopDetection() throws {
        let h = StackHarness()
        h.deliver(StackHarness.request("INVITE"))
        h.deliver(StackHarness.request("INVITE", branch: "z9hG4bK-second-path"))
        #expect(h.wire.responses.last?.statusCode == 482)
    }

    @Test("UAS checks: 420 with Unsupported, 416 for tel:, 481 for an unknown dialog, 501 with Allow for an unknown method")
    func uasChecks() throws {
        let h = StackHarness()
        h.deliver(StackHarness.request("OPTIONS", extra: "Require: 100rel, foo"))
        #expect(h.wire.responses.last?.statusCode == 420)
        #expect(h.wire.responses.last?.headers.values("Unsupported").contains("foo") == true)
        h.deliver(StackHarness.request("BYE", branch: "z9hG4bK-bye", toTag: "nope"))
        #expect(h.wire.responses.last?.statusCode == 481)
        h.deliver(StackHarness.request("OPTIONS", branch: "z9hG4bK-tel", callID: "call-tel@test").replacingOccurrences(of: "OPTIONS sip:room1@127.0.0.1:5060", with: "OPTIONS tel:+15551234567"))
        #expect(h.wire.responses.last?.statusCode == 416)
        h.deliver(StackHarness.request("BYE", branch: "z9hG4bK-bye2", toTag: "nope2", callID: "call-bye2@test"))
        #expect(h.wire.responses.last?.statusCode == 481)
        h.deliver(StackHarness.request("FOO", branch: "z9hG4bK-foo"))
        #expect(h.wire.responses.last?.statusCode == 501)
        #expect(h.wire.responses.last?.headers["Allow"]?.contains("INVITE") == true)
        h.deliver(StackHarness.request("OPTIONS", branch: "z9hG4bK-opt", callID: "call-options@test"))
        #expect(h.wire.responses.last?.statusCode == 200)
        #expect(h.wire.responses.last?.headers["Allow"] != nil)
    }

    @Test("session timers (RFC 4028): below Min-SE is 422; otherwise the 2xx carries Session-Expires and Require: timer")
    func sessionTimers() throws {
        let h = StackHarness()
        h.deliver(StackHarness.request("INVITE", extra: "Supported: timer\nSession-Expires: 30"))
        #expect(h.wire.responses.last?.statusCode == 422)
        #expect(h.wire.responses.last?.headers["Min-SE"] == "90")
        h.deliver(StackHarness.request("INVITE", branch: "z9hG4bK-se2", callID: "call-2@test", extra: "Supported: timer\nSession-Expires: 1800"))
        let t = try #require(h.stack.serverTransactions.values.first { $0.request.callID == "call-2@test" })
        h.stack.respond(t, statusCode: 200, body: Array("v=0\r\n".utf8), contentType: "application/sdp")
        let ok = try #require(h.wire.responses.last)
        #expect(ok.headers["Session-Expires"] == "1800;refresher=uac")
        #expect(ok.require.contains("timer"))
    }

    @Test("a malformed request gets a 400 whose reason says what is wrong; a malformed response is dropped")
    func malformed() throws {
        let h = StackHarness()
        h.deliver(StackHarness.request("OPTIONS").replacingOccurrences(of: "CSeq: 1 OPTIONS", with: "CSeq: 99999999999 OPTIONS"))
        let answer = try #require(h.wire.raw.last)
        #expect(answer.hasPrefix("SIP/2.0 400 CSeq"), "\(answer)")
        #expect(answer.contains("Warning: 399"))
        h.wire.clear()
        h.deliver("SIP/2.0 999 Nope\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx\n\n")
        #expect(h.wire.sent.isEmpty)
        #expect(h.stack.counters.parseErrors >= 2)
    }

    static func clientHeaders(_ method: SIPMethod) -> SIPHeaders {
        var headers = SIPHeaders()
        headers.add("From", "<sip:consort@127.0.0.1>;tag=caller")
        headers.add("To", "<sip:x@127.0.0.1:5070>")
        headers.add("Call-ID", "client-\(method.rawValue)@test")
        headers.add("CSeq", "1 \(method.rawValue)")
        headers.add("Contact", "<sip:consort@127.0.0.1:5060>")
        return headers
    }

    /// A response to a request the stack sent, as the far end would write it.
    static func response(to request: SIPRequest, status: Int) -> String {
        var lines = ["SIP/2.0 \(status) \(SIPResponse.reasonPhrase(for: status))"]
        for via in request.headers.values("Via") { lines.append("Via: \(via)") }
        lines.append("From: \(request.headers["From"] ?? "")")
        lines.append("To: \(request.headers["To"] ?? "");tag=callee")
        lines.append("Call-ID: \(request.callID ?? "")")
        lines.append("CSeq: \(request.headers["CSeq"] ?? "")")
        lines.append("Content-Length: 0")
        return lines.joined(separator: "\n") + "\n\n"
    }
}
