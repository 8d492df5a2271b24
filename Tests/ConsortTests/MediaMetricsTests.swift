import Admin
import Foundation
import MCUControl
import MediaCore
import OpusCodec
import Testing

/// The tenant's media figures in `/metrics`: packets and bytes both ways, loss and concealment, jitter and
/// jitter-buffer delay histograms, and the conference, endpoint and speaker gauges, which several conferences of one
/// tenant add up and which go back to 0 when they end.
@Suite("Media metrics per tenant", .serialized, .timeLimit(.minutes(1)))
struct MediaMetricsTests {
    let trust = MediaSourceTrustTests()

    /// The value of one series (`name{labels}`) in Prometheus text, if it is there.
    func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    /// One 20 ms PCMU frame: a 440 Hz tone at 12 000 peak, or silence.
    func frame(_ n: Int, tone: Bool) -> [UInt8] {
        (0..<160).map { i in
            tone ? G711.encodeMuLaw(Int16(12_000 * sin(2 * Double.pi * 440 * Double(n * 160 + i) / 8_000))) : 0xFF
        }
    }

    @Test("two plain-RTP phones for 1.5 s: per-tenant packets, bytes, loss, jitter and gauges; all gauges 0 after they leave")
    func tenantMetrics() async throws {
        _ = AdminMetrics.registry  // the process's one swift-metrics backend, before any conference exists
        let rig = try ManualMediaRig { $0.loops = 2 }
        do {
            try await exchange(rig)
        } catch {
            await rig.shutdown()
            throw error
        }
        await rig.shutdown()
    }

    /// On manual ticks (``ManualMediaRig``): media time is the ticks run, so nothing here waits for time to pass.
    private func exchange(_ rig: ManualMediaRig) async throws {
        let mcu = rig.mcu
        let registry = AdminMetrics.registry
        let tenant = "metrics-\(UInt32.random(in: 1...UInt32.max))"
        let t = #"tenant="\#(tenant)""#
        let conference = ConferenceID(tenant: tenant, meeting: "m")
        var ticks = 0
        try await mcu.addConference(conference)
        let talker = try #require(rig.phone()), listener = try #require(rig.phone())
        var ports: [Int] = []
        for (i, phone) in [talker, listener].enumerated() {
            let answer = try await mcu.addEndpoint(
                AddEndpointRequest(
                    conference: conference, endpoint: EndpointID("e\(i)"),
                    offer: trust.offer(port: phone.port, host: ManualMediaRig.phoneHost), advertisedAddress: "127.0.0.1"))
            ports.append(try #require(answer.media.first?.localPort))
        }
        var text = registry.emitToString()
        #expect(value(text, "consort_media_conferences{\(t)}") == 1)
        #expect(value(text, "consort_media_endpoints{\(t)}") == 2)

        // A second conference of the tenant, on the other loop: the gauges add up.
        let other = ConferenceID(tenant: tenant, meeting: "other")
        try await mcu.addConference(other)
        #expect(value(registry.emitToString(), "consort_media_conferences{\(t)}") == 2)
        await mcu.removeConference(other)
        #expect(value(registry.emitToString(), "consort_media_conferences{\(t)}") == 1)

        // 1.5 s of 20 ms PCMU packets: the talker sends a tone and loses every tenth packet, the listener silence.
        var sentByTalker = 0
        var speakersSeen = 0.0
        rig.tick(75) { n in
            if n % 10 != 5 {
                rig.send(rtpPacket(seq: UInt16(n), ts: UInt32(n * 160), ssrc: 0xA1, payload: frame(n, tone: true)), from: talker, to: ports[0])
                sentByTalker += 1
            }
            rig.send(rtpPacket(seq: UInt16(n), ts: UInt32(n * 160), ssrc: 0xB2, payload: frame(n, tone: false)), from: listener, to: ports[1])
            if n % 10 == 0 { speakersSeen = max(speakersSeen, value(registry.emitToString(), "consort_media_speakers{\(t)}") ?? 0) }
            _ = rig.drain(talker)
            _ = rig.drain(listener)
        }
        ticks += 75
        let received = Double(sentByTalker + 75)  // 143
        let lost = Double(75 - sentByTalker)  // 7
        let audioIn = "consort_media_packets_received_total{\(t),kind=\"audio\"}"
        // The counters reach the metrics at the once-a-second watch: tick (silent phones) until it has run again.
        while ticks < 75 + 4 * 50 {
            text = registry.emitToString()
            if value(text, audioIn) == received, value(text, "consort_media_packets_lost_total{\(t)}") == lost { break }
            rig.tick(5)
            ticks += 5
        }
        let elapsed = Double(ticks) * 0.02
        let mine = text.split(separator: "\n").filter { $0.contains(tenant) }.joined(separator: "\n")

        #expect(value(text, audioIn) == received, "\(mine)")
        #expect(value(text, "consort_media_received_bytes_total{\(t),kind=\"audio\"}") == received * 172, "12-byte header + 160")
        let sentPackets = try #require(value(text, "consort_media_packets_sent_total{\(t),kind=\"audio\"}"), "\(mine)")
        let sentBytes = try #require(value(text, "consort_media_sent_bytes_total{\(t),kind=\"audio\"}"))
        #expect(sentPackets >= 100 && sentPackets <= 2 * 50 * elapsed + 10, "mix sent to both phones: \(sentPackets) in \(elapsed) s")
        #expect(sentBytes.truncatingRemainder(dividingBy: 172) == 0 && sentBytes >= 100 * 172, "\(sentBytes)")
        #expect(value(text, "consort_media_packets_received_total{\(t),kind=\"video\"}") == 0)
        #expect(value(text, "consort_media_packets_lost_total{\(t)}") == lost, "\(mine)")
        #expect((value(text, "consort_media_concealed_frames_total{\(t),method=\"plc\"}") ?? 0) >= 1, "\(mine)")
        #expect(value(text, "consort_media_concealed_frames_total{\(t),method=\"fec\"}") == 0)
        #expect(value(text, "consort_media_srtp_failures_total{\(t),reason=\"authentication\"}") == 0)
        #expect(value(text, "consort_media_srtp_failures_total{\(t),reason=\"replay\"}") == 0)
        // One observation per endpoint that sent audio, each second; loopback jitter is well under 100 ms.
        let jitterCount = try #require(value(text, "consort_media_jitter_seconds_count{\(t)}"), "\(mine)")
        let jitterSum = try #require(value(text, "consort_media_jitter_seconds_sum{\(t)}"))
        #expect(jitterCount >= 2 && jitterSum / jitterCount < 0.1, "\(jitterSum) s over \(jitterCount)")
        #expect(value(text, "consort_media_jitter_seconds_bucket{\(t),le=\"+Inf\"}") == jitterCount)
        let delayCount = try #require(value(text, "consort_media_jitter_buffer_delay_seconds_count{\(t)}"))
        let delaySum = try #require(value(text, "consort_media_jitter_buffer_delay_seconds_sum{\(t)}"))
        #expect(delayCount == jitterCount && delaySum / delayCount <= 1, "\(delaySum) s over \(delayCount)")
        #expect(value(text, "consort_media_jitter_buffer_delay_seconds_bucket{\(t),le=\"1.0\"}") == delayCount)
        #expect(speakersSeen == 1, "the talker was a speaker at a once-a-second watch: \(speakersSeen)")
        #expect(value(text, "consort_media_conferences{\(t)}") == 1)
        #expect(value(text, "consort_media_endpoints{\(t)}") == 2)

        // They leave, then the conference ends: every gauge back to 0, nothing counted lost.
        await mcu.removeEndpoint(conference, EndpointID("e0"))
        await mcu.removeEndpoint(conference, EndpointID("e1"))
        text = registry.emitToString()
        #expect(value(text, "consort_media_endpoints{\(t)}") == 0)
        #expect(value(text, "consort_media_speakers{\(t)}") == 0)
        #expect(value(text, "consort_media_conferences{\(t)}") == 1)
        await mcu.removeConference(conference)
        text = registry.emitToString()
        #expect(value(text, "consort_media_conferences{\(t)}") == 0)
        #expect(value(text, "consort_media_endpoints{\(t)}") == 0)
        #expect(value(text, "consort_media_speakers{\(t)}") == 0)
        #expect(value(text, audioIn) == received)
    }
}
