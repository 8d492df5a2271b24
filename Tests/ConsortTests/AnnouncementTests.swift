import Foundation
import Focus
import MCUControl
import MediaCore
import Testing
import TestSupport

/// Prompts played to one endpoint (`playAnnouncement`), with hand-made PCMU peers on manual ticks.
@Suite("MCU announcements", .serialized, .timeLimit(.minutes(1)))
struct AnnouncementTests {
    @Test("an announcement is heard on top of the mix by its endpoint only")
    func heardByItsEndpointOnly() async throws {
        let bed = try await MCUTestBed(meeting: "announce")
        let target = try await bed.join("target")
        let talker = try await bed.join("talker")
        let listener = try await bed.join("listener")
        talker.tone = 440
        let prompt = try bed.toneFile("tone1000.wav", frequency: 1_000, seconds: 5)
        try await bed.mcu.playAnnouncement(AnnouncementRequest(conference: bed.conference, endpoint: target.endpoint, prompt: prompt))
        bed.exchange([target, talker, listener], seconds: 2)
        let stats = await bed.mcu.statistics(bed.conference)
        await bed.stop()

        let tones: [Double] = [440, 1_000]
        let heard = (target: target.levels(tones), talker: talker.levels(tones), listener: listener.levels(tones))
        print("target \(heard.target)\ntalker \(heard.talker)\nlistener \(heard.listener)")
        #expect(heard.target.hears(1_000) && heard.target.hears(440), "the prompt on top of the mix: \(heard.target)")
        #expect(heard.talker.lacks(1_000), "the others do not hear it: \(heard.talker)")
        #expect(heard.listener.hears(440) && heard.listener.lacks(1_000), "the others do not hear it: \(heard.listener)")
        #expect(stats?.endpoints.first { $0.endpoint == target.endpoint }?.announcement == prompt)
        #expect(stats?.endpoints.first { $0.endpoint == listener.endpoint }?.announcement == nil)
    }

    @Test("a prompt that does not loop ends with announcementFinished, after it played; a looping one goes on")
    func finishedEvent() async throws {
        let bed = try await MCUTestBed(meeting: "finished")
        let once = try await bed.join("once", mode: .isolated)
        let looping = try await bed.join("looping", mode: .isolated)
        let short = try bed.toneFile("short.wav", frequency: 1_000, seconds: 0.5, sampleRate: 8_000)  // 25 frames
        try await bed.mcu.playAnnouncement(AnnouncementRequest(conference: bed.conference, endpoint: once.endpoint, prompt: short))
        try await bed.mcu.playAnnouncement(
            AnnouncementRequest(conference: bed.conference, endpoint: looping.endpoint, prompt: short, loop: true))
        bed.rig.tick(24)
        let playing = await bed.mcu.statistics(bed.conference)?.endpoints.first { $0.endpoint == once.endpoint }?.announcement
        bed.rig.tick(1)
        let finished = try await bed.events.wait(timeout: .seconds(2)) {
            if case .announcementFinished = $0 { return true } else { return false }
        }
        once.collect()
        let promptPackets = once.packets
        once.reset()
        bed.exchange([once, looping], seconds: 1)
        let stats = await bed.mcu.statistics(bed.conference)
        let all = bed.events.all
        await bed.stop()

        #expect(finished == .announcementFinished(bed.conference, once.endpoint, prompt: short))
        #expect(playing == short, "still playing after 24 frames")
        let finishedEvents = all.filter { if case .announcementFinished = $0 { true } else { false } }
        #expect(finishedEvents.count == 1, "only the non-looping prompt finished, once: \(all)")
        #expect(stats?.endpoints.first { $0.endpoint == once.endpoint }?.announcement == nil)
        #expect(stats?.endpoints.first { $0.endpoint == looping.endpoint }?.announcement == short)
        #expect(looping.levels([1_000], skip: 0).hears(1_000), "the loop still plays after 1.5 s")
        #expect(promptPackets == 25, "the 0.5 s prompt was sent as 25 packets, the event after the last: \(promptPackets)")
        #expect(once.packets == 0, "an isolated endpoint with nothing to hear is sent nothing: \(once.packets) packets")
    }

    @Test("a prompt that cannot be read fails with the path and why; an unknown endpoint or conference is notFound")
    func refusals() async throws {
        let bed = try await MCUTestBed(meeting: "refusals")
        let peer = try await bed.join("p")
        let missing = bed.folder.appendingPathComponent("no-such-prompt.wav").path
        let request = { (prompt: String) in AnnouncementRequest(conference: bed.conference, endpoint: peer.endpoint, prompt: prompt) }

        let notThere = await #expect(throws: MCUControlError.self) { try await bed.mcu.playAnnouncement(request(missing)) }
        #expect(notThere?.code == .failed && notThere?.reason.contains(missing) == true, "\(String(describing: notThere))")

        let text = bed.folder.appendingPathComponent("text.wav")
        try Data("not audio at all".utf8).write(to: text)
        let notWAV = await #expect(throws: MCUControlError.self) { try await bed.mcu.playAnnouncement(request(text.path)) }
        #expect(notWAV?.code == .failed && notWAV?.reason.contains("RIFF") == true, "\(String(describing: notWAV))")

        let cd = try bed.toneFile("cd.wav", frequency: 1_000, seconds: 0.2, sampleRate: 44_100)
        let wrongRate = await #expect(throws: MCUControlError.self) { try await bed.mcu.playAnnouncement(request(cd)) }
        #expect(wrongRate?.code == .failed && wrongRate?.reason.contains("44100") == true, "\(String(describing: wrongRate))")

        let truncated = bed.folder.appendingPathComponent("truncated.wav")
        try Data(try Data(contentsOf: URL(fileURLWithPath: cd)).prefix(30)).write(to: truncated)
        let short = await #expect(throws: MCUControlError.self) { try await bed.mcu.playAnnouncement(request(truncated.path)) }
        #expect(short?.code == .failed, "\(String(describing: short))")

        let good = try bed.toneFile("good.wav", frequency: 1_000, seconds: 0.2)
        let nobody = await #expect(throws: MCUControlError.self) {
            try await bed.mcu.playAnnouncement(AnnouncementRequest(conference: bed.conference, endpoint: EndpointID("nobody"), prompt: good))
        }
        #expect(nobody?.code == .notFound, "\(String(describing: nobody))")
        let noConference = await #expect(throws: MCUControlError.self) {
            try await bed.mcu.playAnnouncement(
                AnnouncementRequest(conference: ConferenceID(tenant: "t", meeting: "none"), endpoint: peer.endpoint, prompt: good))
        }
        #expect(noConference?.code == .notFound, "\(String(describing: noConference))")
        await bed.stop()
    }

    @Test("every prompt in Config/prompts is a WAV file the MCU plays")
    func shippedPrompts() async throws {
        let bed = try await MCUTestBed(meeting: "shipped")
        let peer = try await bed.join("p", mode: .isolated)
        let folder = packageRoot.appendingPathComponent("Config/prompts")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".wav") }.sorted()
        #expect(names == Prompt.allCases.map(\.fileName).sorted(), "every prompt the focus plays is shipped, and nothing else")
        for name in names {
            let path = folder.appendingPathComponent(name).path
            let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            #expect(size < 100_000, "\(name) is \(size) bytes")
            try await bed.mcu.playAnnouncement(AnnouncementRequest(conference: bed.conference, endpoint: peer.endpoint, prompt: path))
        }
        bed.exchange([peer], seconds: 1)
        await bed.stop()
        let rms = ToneAnalysis.levels(in: peer.heard, sampleRate: 8_000, candidates: [1_000], skipSeconds: 0).rmsDBFS
        #expect(peer.packets >= 40 && rms > -40, "the last prompt is heard: \(peer.packets) packets at \(rms) dBFS")
    }
}
