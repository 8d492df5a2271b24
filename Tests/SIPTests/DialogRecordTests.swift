import Foundation
import SIP
import SIPWire
import Synchronization
import Testing
import TestSupport

/// A dialog carried on by another user agent on the same address, from its record (a focus restarted mid-call).
@Suite("Dialog records: a dialog taken over by a restarted user agent", .serialized, .timeLimit(.minutes(1)))
struct DialogRecordTests {
    @Test("the restarted callee sends a re-INVITE the caller accepts (CSeq past the old one), and the caller's BYE finds the dialog")
    func restartedCalleeCarriesOn() async throws {
        let callee = try await TestUserAgent.start(tcp: false)
        let caller = try await TestUserAgent.start(tcp: false)
        await callee.answerCalls(ringing: false)
        let cseqs = Mutex<[UInt32]>([])
        await caller.agent.setHandler(.invite) { incoming in
            cseqs.withLock { $0.append(incoming.request.cseq?.sequence ?? 0) }
            await incoming.respond(
                incoming.dialog == nil ? 481 : 200, body: Array(TestUserAgent.answer(to: incoming.request.body).utf8), contentType: "application/sdp")
        }
        let call = try await caller.agent.invite(try #require(SIPURI("sip:room1@127.0.0.1:\(callee.port)")), body: Array(TestUserAgent.offer.utf8))
        try await Task.sleep(for: .milliseconds(100))
        let id = SIPDialogID(callID: call.dialog.id.callID, localTag: call.dialog.id.remoteTag, remoteTag: call.dialog.id.localTag)
        // A request the old callee sends after the record was written: the restarted one must go past its CSeq.
        let old = try #require(await callee.agent.dialogRecord(id))
        #expect(old.isServer && old.remoteTarget.contains("127.0.0.1:\(caller.port)"))
        await callee.stop()

        let restarted = try await TestUserAgent.start(tcp: false, port: callee.port)
        defer { Task { await restarted.stop() } }
        let byes = Mutex<[Bool]>([])
        await restarted.agent.setHandler(.bye) { incoming in
            byes.withLock { $0.append(incoming.dialog != nil) }
            await incoming.respond(200)
        }
        let handle = try await restarted.agent.restoreDialog(old, cseqAdvance: 10)
        let reinvite = try await handle.request(.invite, body: Array(TestUserAgent.offer.utf8), contentType: "application/sdp")
        #expect(reinvite.statusCode == 200, "the caller took the restored dialog's re-INVITE")
        #expect(cseqs.withLock { $0 } == [old.localCSeq + 11])
        #expect(try await call.dialog.bye().statusCode == 200)
        #expect(byes.withLock { $0 } == [true], "the caller's BYE reached the restored dialog")
        #expect(await !handle.isActive)
        await caller.stop()
        await restarted.stop()
    }

    @Test("a record that does not parse is refused with the field named")
    func damagedRecord() async throws {
        let agent = try await TestUserAgent.start(tcp: false)
        let record = SIPDialogRecord(
            callID: "c", localTag: "l", remoteTag: "r", isServer: true, localURI: "<sip:a@127.0.0.1>;tag=l", remoteURI: "<sip:b@127.0.0.1>;tag=r",
            remoteTarget: "not a uri", routeSet: [], localCSeq: 1, remoteCSeq: 1, inviteCSeq: 1, transport: "UDP", peerHost: "127.0.0.1",
            peerPort: 5070, peerServerName: nil, localContact: "<sip:a@127.0.0.1>", sessionInterval: nil, weRefresh: false, lastLocalBody: "",
            lastLocalContentType: nil, peerAllowsUpdate: false)
        let error = await #expect(throws: SIPError.self) { try await agent.agent.restoreDialog(record) }
        #expect(error?.code == .invalid && "\(error.map { "\($0)" } ?? "")".contains("remote target"), "\(String(describing: error))")
        await agent.stop()
    }
}
