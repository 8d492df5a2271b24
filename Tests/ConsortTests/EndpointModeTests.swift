import Foundation
import MCUControl
import MediaCore
import Testing
import TestSupport

/// Isolated endpoints (lobby, PIN entry) and their DTMF, with hand-made PCMU peers on manual ticks.
@Suite("MCU endpoint modes", .serialized, .timeLimit(.minutes(1)))
struct EndpointModeTests {
    @Test("an isolated endpoint is not heard and hears no mix, only its announcement; admitted, both directions work")
    func isolationThenAdmission() async throws {
        let bed = try await MCUTestBed(meeting: "lobby")
        let waiting = try await bed.join("waiting", mode: .isolated)
        let talker = try await bed.join("talker")
        let listener = try await bed.join("listener")
        waiting.tone = 440
        talker.tone = 1_000
        let tones: [Double] = [440, 1_000, 1_700]
        let music = try bed.toneFile("lobby-music.wav", frequency: 1_700, seconds: 0.6)
        try await bed.mcu.playAnnouncement(
            AnnouncementRequest(conference: bed.conference, endpoint: waiting.endpoint, prompt: music, loop: true))
        bed.exchange([waiting, talker, listener], seconds: 1.6)
        let isolated = (waiting: waiting.levels(tones), talker: talker.levels(tones), listener: listener.levels(tones))
        print("isolated:\n  waiting \(isolated.waiting)\n  talker \(isolated.talker)\n  listener \(isolated.listener)")
        #expect(isolated.waiting.hears(1_700) && isolated.waiting.lacks(1_000), "only its announcement: \(isolated.waiting)")
        #expect(isolated.talker.lacks(440) && isolated.talker.lacks(1_700), "\(isolated.talker)")
        #expect(isolated.listener.hears(1_000) && isolated.listener.lacks(440) && isolated.listener.lacks(1_700), "\(isolated.listener)")

        await bed.mcu.stopAnnouncement(bed.conference, waiting.endpoint)
        bed.exchange([waiting, talker, listener], seconds: 0.6)
        #expect(waiting.levels(tones, skip: 0.3).lacks(1_000), "isolated without a prompt: still no mix")
        for peer in [waiting, talker, listener] { peer.reset() }

        let response = try await bed.mcu.modifyEndpoint(ModifyEndpointRequest(conference: bed.conference, endpoint: waiting.endpoint, mode: .conference))
        #expect(response == nil)
        bed.exchange([waiting, talker, listener], seconds: 1.6)
        let stats = await bed.mcu.statistics(bed.conference)
        await bed.stop()
        let admitted = (waiting: waiting.levels(tones), talker: talker.levels(tones), listener: listener.levels(tones))
        print("admitted:\n  waiting \(admitted.waiting)\n  talker \(admitted.talker)\n  listener \(admitted.listener)")
        #expect(admitted.waiting.hears(1_000) && admitted.waiting.lacks(1_700), "\(admitted.waiting)")
        #expect(admitted.talker.hears(440), "\(admitted.talker)")
        #expect(admitted.listener.hears(440) && admitted.listener.hears(1_000), "\(admitted.listener)")
        #expect(stats?.endpoints.first { $0.endpoint == waiting.endpoint }?.mode == .conference)
    }

    @Test("RFC 4733: an isolated endpoint's digits are reported once each, in order, also when every end packet was lost")
    func dtmfEvents() async throws {
        let bed = try await MCUTestBed(meeting: "pin")
        let caller = try await bed.join("caller", mode: .isolated)
        let member = try await bed.join("member")
        var sequence: UInt16 = 0
        var timestamp: UInt32 = 10_000
        func press(_ event: UInt8, by peer: MCUTestPeer, endPackets: Int = 3) {
            timestamp &+= 8_000
            // Three packets while the key is down, then the end packet three times (RFC 4733 §2.5.1.4).
            for index in 0..<(3 + endPackets) {
                let end = index >= 3
                let duration = UInt16(400 * min(index + 1, 3))
                let payload: [UInt8] = [event, (end ? 0x80 : 0) | 10, UInt8(duration >> 8), UInt8(duration & 0xFF)]
                peer.send(rtpPacket(pt: 101, seq: sequence, ts: timestamp, ssrc: peer.ssrc, payload: payload))
                sequence &+= 1
                bed.rig.tick(1)
            }
        }
        func digits(of endpoint: EndpointID) -> (MCUEvent) -> Bool {
            { event in
                guard case .dtmf(let conference, let from, _) = event else { return false }
                return conference == bed.conference && from == endpoint
            }
        }
        func digit(_ event: MCUEvent) -> String? { if case .dtmf(_, _, let digit) = event { digit } else { nil } }
        caller.sendFrame()
        for event: UInt8 in [1, 2, 11, 12] { press(event, by: caller) }  // 1 2 # A
        press(7, by: caller, endPackets: 0)  // 7, its end lost: reported when 9 starts
        for event: UInt8 in [9, 10, 6] { press(event, by: caller) }  // 9 * 6: no self-mute while isolated
        press(4, by: caller, endPackets: 0)  // 4, its end lost and nothing after: reported once more than 500 ms passed
        bed.rig.tick(25)
        _ = try await bed.events.wait(for: 8, digits(of: caller.endpoint))
        try await Task.sleep(for: .milliseconds(20))  // room for a wrong, early ninth
        let beforeTimeout = bed.events.all.filter(digits(of: caller.endpoint)).compactMap(digit)
        bed.rig.tick(1)  // 520 ms since the 4's last packet
        let callerDigits = try await bed.events.wait(for: 9, digits(of: caller.endpoint)).compactMap(digit)
        #expect(beforeTimeout == ["1", "2", "#", "A", "7", "9", "*", "6"], "the 4 is not reported at 500 ms: \(beforeTimeout)")
        #expect(callerDigits == ["1", "2", "#", "A", "7", "9", "*", "6", "4"])
        #expect(await bed.mcu.statistics(bed.conference)?.endpoints.first { $0.endpoint == caller.endpoint }?.muted == false)

        // A conference endpoint's digits are reported too, and *6 still mutes it.
        member.sendFrame()
        for event: UInt8 in [10, 6] { press(event, by: member) }
        let memberDigits = try await bed.events.wait(for: 2, digits(of: member.endpoint)).compactMap(digit)
        #expect(memberDigits == ["*", "6"])
        let memberStats = await bed.mcu.statistics(bed.conference)?.endpoints.first { $0.endpoint == member.endpoint }
        #expect(memberStats?.selfMuted == true && memberStats?.muted == false, "*6 is the participant's own mute, not the focus's")
        await bed.stop()
    }
}
