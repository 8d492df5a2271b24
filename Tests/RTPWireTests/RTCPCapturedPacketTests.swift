import RTPWire
import Testing

/// A captured compound packet (RR, SDES, BYE, PLI, RTPFB FMT 5, APP), as published in
/// pion/rtcp's packet_test.go ("An RTCP packet from a packet dump", MIT licence).
let capturedCompound: [UInt8] = [
    0x81, 0xC9, 0x00, 0x07, 0x90, 0x2F, 0x9E, 0x2E, 0xBC, 0x5E, 0x9A, 0x40, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x46, 0xE1, 0x00, 0x00, 0x01, 0x11, 0x09, 0xF3, 0x64, 0x32, 0x00, 0x02, 0x4A, 0x79,
    0x81, 0xCA, 0x00, 0x0C, 0x90, 0x2F, 0x9E, 0x2E, 0x01, 0x26,
] + Array("{9c00eb92-1afb-9d49-a47d-91f64eee69f5}".utf8) + [
    0x00, 0x00, 0x00, 0x00,
    0x81, 0xCB, 0x00, 0x01, 0x90, 0x2F, 0x9E, 0x2E,
    0x81, 0xCE, 0x00, 0x02, 0x90, 0x2F, 0x9E, 0x2E, 0x90, 0x2F, 0x9E, 0x2E,
    0x85, 0xCD, 0x00, 0x02, 0x90, 0x2F, 0x9E, 0x2E, 0x90, 0x2F, 0x9E, 0x2E,
    0x80, 0xCC, 0x00, 0x03, 0x4B, 0xAA, 0xE1, 0xAB, 0x4E, 0x41, 0x4D, 0x45, 0x41, 0x42, 0x43, 0x44,
]

@Suite("Captured and truncated packets (RFC 3550 §6.1, A.2; §5.1)")
struct RTCPCapturedPacketTests {
    @Test("§6.1: a captured browser compound packet yields every sub-packet with its fields")
    func capturedCompoundPacket() throws {
        #expect(capturedCompound.count == 132)
        try withPacket(capturedCompound) { packet in
            var iterator = RTCPCompoundIterator(packet: packet)
            guard case .receiverReport(let report)? = iterator.next() else { Issue.record("RR"); return }
            #expect(report.ssrc == 0x902F_9E2E)
            let block = try #require(report.reportBlocks.element(0, in: packet))
            #expect(block == RTCPReportBlock(
                ssrc: 0xBC5E_9A40, fractionLost: 0, cumulativeLost: 0, extendedHighestSequence: 0x46E1,
                jitter: 273, lastSR: 0x09F3_6432, delaySinceLastSR: 150_137))
            guard case .sourceDescription(let description)? = iterator.next() else { Issue.record("SDES"); return }
            let cname = try #require(description.cname(for: 0x902F_9E2E, in: packet))
            #expect(String(decoding: capturedCompound[cname], as: UTF8.self) == "{9c00eb92-1afb-9d49-a47d-91f64eee69f5}")
            guard case .goodbye(let goodbye)? = iterator.next() else { Issue.record("BYE"); return }
            #expect(goodbye.sources.element(0, in: packet) == 0x902F_9E2E)
            #expect(iterator.next() == .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 0x902F_9E2E, mediaSSRC: 0x902F_9E2E)))
            guard case .other(let rapidResync)? = iterator.next() else { Issue.record("RTPFB 5"); return }
            #expect(rapidResync.packetType == 205 && rapidResync.count == 5)
            guard case .applicationDefined(let application)? = iterator.next() else { Issue.record("APP"); return }
            #expect(application.name == 0x4E41_4D45)
            #expect(Array(capturedCompound[application.dataRange]) == Array("ABCD".utf8))
            #expect(iterator.next() == nil)
            #expect(!iterator.isMalformed)
        }
        #expect(withPacket(capturedCompound) { RTCPCompoundIterator.isValidCompound($0) })
    }

    @Test("A.2: every truncation of a compound packet is malformed unless it ends on a packet boundary")
    func truncatedCompound() {
        let boundaries: Set<Int> = [32, 84, 92, 104, 116, 132]
        for length in 0...capturedCompound.count {
            let prefix = Array(capturedCompound[0..<length])
            let malformed = withPacket(prefix) { packet -> Bool in
                var iterator = RTCPCompoundIterator(packet: packet)
                while iterator.next() != nil {}
                return iterator.isMalformed
            }
            #expect(malformed == !boundaries.contains(length), "length \(length)")
        }
    }

    @Test("§5.1: every truncation of an RTP packet with CSRC and extension parses or fails, never traps")
    func truncatedRTP() {
        let full = rtpFixedHeader(extension: true, csrcCount: 1) + be32(7) + [0xBE, 0xDE, 0x00, 0x01, 0x10, 0x85, 0x00, 0x00] + [1, 2, 3]
        for length in 0...full.count {
            let header = withPacket(Array(full[0..<length])) { RTPHeader(parsing: $0) }
            #expect((header != nil) == (length >= 24), "length \(length)")
        }
    }
}
