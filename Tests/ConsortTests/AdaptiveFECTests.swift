import Admin
import Foundation
import MCUControl
import MediaCore
import OpusCodec
import RTPWire
import Testing
import TestSupport

/// Loss-adaptive Opus (`opus.application: adaptive`, the default): the MCU codes CELT while its receivers report
/// little loss, and SILK/hybrid with in-band FEC for a stream once one of its receivers reports loss in RTCP. The real
/// MCU on manual ticks.
@Suite("Loss-adaptive Opus", .serialized, .timeLimit(.minutes(1)))
struct AdaptiveFECTests {
    struct Phone {
        let name: String
        let port: MemoryDatagramPort
        let mcuPort: Int
    }

    static func offer(port: Int) -> String {
        "v=0\r\no=peer 1 1 IN IP4 \(ManualMediaRig.phoneHost)\r\ns=-\r\nc=IN IP4 \(ManualMediaRig.phoneHost)\r\nt=0 0\r\n"
            + "m=audio \(port) RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\na=rtcp-mux\r\n"
    }

    func join(_ rig: ManualMediaRig, _ conference: ConferenceID, _ name: String) async throws -> Phone {
        let port = try #require(rig.phone())
        let answer = try await rig.mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID(name), offer: Self.offer(port: port.port), advertisedAddress: "127.0.0.1"))
        return Phone(name: name, port: port, mcuPort: try #require(answer.media.first?.localPort))
    }

    /// The Opus RTP packets among datagrams as (SSRC, TOC configuration: 0–11 SILK, 12–15 hybrid, 16–31 CELT; RFC 6716 §3.1).
    static func opus(_ datagrams: [[UInt8]]) -> [(ssrc: UInt32, config: UInt8)] {
        ManualMediaRig.rtp(datagrams).compactMap { p in
            guard p[1] & 0x7F == 111 else { return nil }
            let header = 12 + 4 * Int(p[0] & 0x0F)
            guard p.count > header else { return nil }
            return (UInt32(p[8]) << 24 | UInt32(p[9]) << 16 | UInt32(p[10]) << 8 | UInt32(p[11]), p[header] >> 3)
        }
    }

    /// A receiver report about `ssrc` saying `fractionLost` / 256 of its packets were lost.
    static func receiverReport(from sender: UInt32, about ssrc: UInt32, fractionLost: UInt8) -> [UInt8] {
        let block = RTCPReportBlock(
            ssrc: ssrc, fractionLost: fractionLost, cumulativeLost: 0, extendedHighestSequence: 1_000, jitter: 0, lastSR: 0,
            delaySinceLastSR: 0)
        let writer = RTCPReceiverReportWriter(ssrc: sender, reportBlocks: [block])
        var bytes = [UInt8](repeating: 0, count: writer.encodedSize)
        _ = bytes.withUnsafeMutableBytes { writer.write(into: $0) }
        return bytes
    }

    @Test("CELT while nobody reports loss; a receiver reporting 10 % gets SILK/hybrid with FEC, the others stay CELT; back to CELT when the loss is gone")
    func followsReportedLoss() async throws {
        _ = AdminMetrics.registry  // the process's one swift-metrics backend, before any conference exists
        let rig = try ManualMediaRig()
        let tenant = "adaptive-\(UInt32.random(in: 1...UInt32.max))"
        let conference = ConferenceID(tenant: tenant, meeting: "adaptive")
        func protectedEndpoints() -> Double? {
            MediaMetricsTests().value(AdminMetrics.registry.emitToString(), #"consort_media_loss_protected_endpoints{tenant="\#(tenant)"}"#)
        }
        try await rig.mcu.addConference(conference)
        let talker = try await join(rig, conference, "talker")
        let listener = try await join(rig, conference, "listener")
        // The talker speaks (a 440 Hz tone, as a phone would code it), so it is a speaker with a stream of its own
        // and the listener hears the shared stream.
        let phoneEncoder = try OpusEncoder(OpusEncoderSettings(application: .voip))
        var sequence: UInt16 = 0
        var packet = [UInt8](repeating: 0, count: 1_500)
        func speak(_ n: Int) {
            let pcm = (0..<960).map { i in Int16(8_000 * sin(2 * Double.pi * 440 * Double(Int(sequence) * 960 + i) / 48_000)) }
            let length = pcm.withUnsafeBufferPointer { frame in
                packet.withUnsafeMutableBytes { phoneEncoder.encode(frame, frameSamples: 960, into: $0) ?? 0 }
            }
            rig.send(
                rtpPacket(pt: 111, seq: sequence, ts: UInt32(sequence) &* 960, ssrc: 0x7A1C, payload: Array(packet[0..<length])),
                from: talker.port, to: talker.mcuPort)
            sequence &+= 1
        }
        func phase(_ ticks: Int) -> (talker: [(ssrc: UInt32, config: UInt8)], listener: [(ssrc: UInt32, config: UInt8)]) {
            rig.tick(ticks, speak)
            return (Self.opus(rig.drain(talker.port)), Self.opus(rig.drain(listener.port)))
        }

        let clean = phase(75)
        let listenerSSRC = try #require(clean.listener.last?.ssrc)
        let talkerSSRC = try #require(clean.talker.last?.ssrc)
        #expect(clean.listener.count >= 70 && clean.talker.count >= 70, "both are sent audio")
        #expect(clean.listener.suffix(50).allSatisfy { $0.config >= 16 }, "CELT to the listener: \(clean.listener.map(\.config))")
        #expect(clean.talker.suffix(50).allSatisfy { $0.config >= 16 }, "CELT to the talker: \(clean.talker.map(\.config))")

        // The listener reports 10 % loss (26/256): within a second its stream is SILK/hybrid, the talker's is not.
        rig.send(Self.receiverReport(from: 0x1157, about: listenerSSRC, fractionLost: 26), from: listener.port, to: listener.mcuPort)
        let lossy = phase(75)
        #expect(lossy.listener.suffix(20).allSatisfy { $0.config < 16 }, "SILK/hybrid to the lossy listener: \(lossy.listener.map(\.config))")
        #expect(lossy.talker.suffix(50).allSatisfy { $0.config >= 16 }, "still CELT to the talker: \(lossy.talker.map(\.config))")
        #expect(lossy.listener.allSatisfy { $0.ssrc == listenerSSRC }, "the same stream on: no SSRC change at the switch")
        #expect(protectedEndpoints() == 1, "the tenant's gauge counts the protected listener")

        // The talker reports loss too; then the listener reports 1 %, below half the 3 % threshold: CELT again.
        rig.send(Self.receiverReport(from: 0x7A1C, about: talkerSSRC, fractionLost: 26), from: talker.port, to: talker.mcuPort)
        rig.send(Self.receiverReport(from: 0x1157, about: listenerSSRC, fractionLost: 3), from: listener.port, to: listener.mcuPort)
        let swapped = phase(75)
        #expect(swapped.talker.suffix(20).allSatisfy { $0.config < 16 }, "SILK/hybrid to the talker: \(swapped.talker.map(\.config))")
        #expect(swapped.listener.suffix(20).allSatisfy { $0.config >= 16 }, "CELT to the listener again: \(swapped.listener.map(\.config))")
        #expect(protectedEndpoints() == 1, "now the talker")
        await rig.shutdown()
        #expect(protectedEndpoints() == 0, "nothing once the conference is gone")
    }
}
