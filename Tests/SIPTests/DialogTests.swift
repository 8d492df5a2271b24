import Foundation
import SIP
import SIPWire
import Synchronization
import Testing
import TestSupport

@Suite("Dialogs (RFC 3261 §12) between two user agents on loopback", .serialized, .timeLimit(.minutes(1)))
struct DialogTests {
    @Test("the callee hangs up: its BYE reaches the caller inside the dialog, which ends on both sides")
    func calleeHangsUp() async throws {
        let callee = try await TestUserAgent.start()
        let caller = try await TestUserAgent.start()
        let dialogs = Mutex<[SIPDialogHandle]>([])
        await callee.agent.setHandler(.invite) { incoming in
            if let d = await incoming.respond(200, body: Array(TestUserAgent.answer(to: incoming.request.body).utf8), contentType: "application/sdp") {
                dialogs.withLock { $0.append(d) }
            }
        }
        let byeSeen = Mutex(false)
        await caller.agent.setHandler(.bye) { incoming in
            byeSeen.withLock { $0 = incoming.dialog != nil }
            await incoming.respond(200)
        }
        let call = try await caller.agent.invite(try #require(SIPURI("sip:room1@127.0.0.1:\(callee.port)")), body: Array(TestUserAgent.offer.utf8))
        try await Task.sleep(for: .milliseconds(100))
        let calleeDialog = try #require(dialogs.withLock { $0.first })
        let answer = try await calleeDialog.bye()
        #expect(answer.statusCode == 200)
        #expect(byeSeen.withLock { $0 }, "the BYE arrived with its dialog")
        #expect(!(await calleeDialog.isActive))
        _ = call
        await callee.stop()
        await caller.stop()
    }

    @Test("requests inside a dialog: re-INVITE (target refresh), INFO and UPDATE reach the handler with the dialog; CSeq grows")
    func inDialogRequests() async throws {
        let callee = try await TestUserAgent.start()
        let caller = try await TestUserAgent.start()
        await callee.answerCalls(ringing: false)
        let seen = Mutex<[(String, UInt32)]>([])
        for method in [SIPMethod.info, .update] {
            await callee.agent.setHandler(method) { incoming in
                seen.withLock { $0.append((incoming.request.method.rawValue, incoming.request.cseq?.sequence ?? 0)) }
                await incoming.respond(incoming.dialog == nil ? 481 : 200)
            }
        }
        let call = try await caller.agent.invite(try #require(SIPURI("sip:room1@127.0.0.1:\(callee.port)")), body: Array(TestUserAgent.offer.utf8))
        let reinvite = try await call.dialog.request(.invite, body: Array(TestUserAgent.offer.replacingOccurrences(of: "a=rtpmap:0 PCMU/8000\r\n", with: "a=rtpmap:0 PCMU/8000\r\na=sendonly\r\n").utf8), contentType: "application/sdp")
        #expect(reinvite.statusCode == 200)
        #expect(String(decoding: reinvite.body, as: UTF8.self).contains("a=recvonly"))
        #expect(try await call.dialog.request(.info, headers: [("Content-Type", "application/dtmf-relay")], body: Array("Signal=5\r\nDuration=160\r\n".utf8)).statusCode == 200)
        #expect(try await call.dialog.request(.update).statusCode == 200)
        let sequence = seen.withLock { $0.map(\.1) }
        #expect(sequence.count == 2 && sequence[0] < sequence[1])
        #expect(try await call.dialog.bye().statusCode == 200)
        let late = await #expect(throws: SIPError.self) { try await call.dialog.request(.info) }
        #expect(late?.code == .noDialog)
        await callee.stop()
        await caller.stop()
    }

    @Test("SUBSCRIBE creates a dialog in which the notifier's NOTIFY arrives (RFC 6665)")
    func subscribeNotify() async throws {
        let notifier = try await TestUserAgent.start()
        let subscriber = try await TestUserAgent.start()
        await notifier.agent.setHandler(.subscribe) { incoming in
            guard let dialog = await incoming.respond(200, headers: [("Expires", "600")]) else { return }
            _ = try? await dialog.request(
                .notify, headers: [("Event", "conference"), ("Subscription-State", "active;expires=600")],
                body: Array("<conference-info/>".utf8), contentType: "application/conference-info+xml")
        }
        let notified = Mutex<[String]>([])
        await subscriber.agent.setHandler(.notify) { incoming in
            notified.withLock { $0.append(incoming.dialog == nil ? "no dialog" : (incoming.request.event ?? "?")) }
            await incoming.respond(200)
        }
        let (response, dialog) = try await subscriber.agent.requestDialog(
            .subscribe, to: try #require(SIPURI("sip:room1@127.0.0.1:\(notifier.port)")), headers: [("Event", "conference"), ("Expires", "600")])
        #expect(response.statusCode == 200)
        #expect(dialog != nil)
        for _ in 0..<50 where notified.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(20)) }
        #expect(notified.withLock { $0 } == ["conference"])
        await notifier.stop()
        await subscriber.stop()
    }

    @Test("calling a port where nothing answers fails with a timeout error after 64·T1")
    func timeout() async throws {
        let caller = try await TestUserAgent.start(t1Milliseconds: 20)
        let nobody = freePort()
        let error = await #expect(throws: SIPError.self) {
            _ = try await caller.agent.request(.options, to: try #require(SIPURI("sip:x@127.0.0.1:\(nobody)")))
        }
        #expect(error?.code == .timeout)
        #expect(error?.reason.contains("timer F") == true)
        await caller.stop()
    }

    @Test("a call that is rejected throws with the response")
    func rejected() async throws {
        let callee = try await TestUserAgent.start()
        let caller = try await TestUserAgent.start()
        await callee.agent.setHandler(.invite) { await $0.respond(486) }
        let error = await #expect(throws: SIPError.self) {
            _ = try await caller.agent.invite(try #require(SIPURI("sip:room1@127.0.0.1:\(callee.port)")), body: Array(TestUserAgent.offer.utf8))
        }
        #expect(error?.code == .rejected && error?.response?.statusCode == 486)
        await callee.stop()
        await caller.stop()
    }
}
