import RTPWire
import Testing

@Suite("RTCP SR and RR (RFC 3550 §6.4)")
struct RTCPReportTests {
    let block = RTCPReportBlock(
        ssrc: 0x1111_2222, fractionLost: 64, cumulativeLost: -3, extendedHighestSequence: 0x0001_0005,
        jitter: 42, lastSR: 0xAABB_CCDD, delaySinceLastSR: 0x0001_8000)

    /// The 24 bytes of `block`, built by hand.
    var blockBytes: [UInt8] {
        be32(0x1111_2222) + [64, 0xFF, 0xFF, 0xFD] + be32(0x0001_0005) + be32(42) + be32(0xAABB_CCDD) + be32(0x0001_8000)
    }

    @Test("§6.4.1: SR sender info and one report block; cumulative lost is 24-bit signed")
    func parseSenderReport() throws {
        let body = be32(0x5555_6666) + be32(0xE000_0001) + be32(0x8000_0000) + be32(160_000) + be32(100) + be32(16_000)
            + blockBytes
        let bytes = rtcpPacket(count: 1, type: 200, body: body)
        try withPacket(bytes) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            #expect(header.packetRange == 0..<52)
            let report = try #require(RTCPSenderReport(header, in: packet))
            #expect(report.ssrc == 0x5555_6666)
            #expect(report.ntpTimestamp == 0xE000_0001_8000_0000)
            #expect(report.compactNTPTimestamp == 0x0001_8000)
            #expect(report.rtpTimestamp == 160_000)
            #expect(report.senderPacketCount == 100)
            #expect(report.senderOctetCount == 16_000)
            #expect(report.reportBlocks.count == 1)
            #expect(report.reportBlocks.element(0, in: packet) == block)
            #expect(report.reportBlocks.element(1, in: packet) == nil)
            #expect(report.profileExtensionRange.isEmpty)
        }
    }

    @Test("§6.4.1: an SR whose RC blocks do not fit its length is rejected")
    func rejectsShortSenderReport() throws {
        let body = [UInt8](repeating: 0, count: 24) + blockBytes
        let bytes = rtcpPacket(count: 2, type: 200, body: body)
        try withPacket(bytes) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            #expect(RTCPSenderReport(header, in: packet) == nil)
        }
    }

    @Test("§6.4.2: RR with two blocks and a profile-specific extension")
    func parseReceiverReport() throws {
        let body = be32(7) + blockBytes + blockBytes + be32(0xFEED_FACE)
        try withPacket(rtcpPacket(count: 2, type: 201, body: body)) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            let report = try #require(RTCPReceiverReport(header, in: packet))
            #expect(report.ssrc == 7)
            #expect(Array(report.reportBlocks.elements(in: packet)) == [block, block])
            #expect(report.profileExtensionRange == 56..<60)
        }
    }

    @Test("§6.4.1: report block layout, written byte for byte")
    func writeReportBlock() {
        let bytes = written { block.write(into: $0, at: 0) }
        #expect(bytes == blockBytes)
    }

    @Test("§6.4.1: cumulative lost clamps to the 24-bit signed range")
    func cumulativeLostClamps() {
        #expect(RTCPReportBlock.clampCumulativeLost(10_000_000) == 0x7F_FFFF)
        #expect(RTCPReportBlock.clampCumulativeLost(-10_000_000) == -0x80_0000)
        let negative = RTCPReportBlock(ssrc: 0, fractionLost: 0, cumulativeLost: -0x80_0000, extendedHighestSequence: 0, jitter: 0, lastSR: 0, delaySinceLastSR: 0)
        let bytes = written { negative.write(into: $0, at: 0) } ?? []
        #expect(Array(bytes[4..<8]) == [0, 0x80, 0, 0])
    }

    @Test("§6.4.1: SR writer output parses back; length field is words minus one")
    func senderReportRoundTrip() throws {
        let writer = RTCPSenderReportWriter(
            ssrc: 1, ntpTimestamp: 0x0102_0304_0506_0708, rtpTimestamp: 9, senderPacketCount: 10,
            senderOctetCount: 11, reportBlocks: [block, block])
        #expect(writer.encodedSize == 76)
        let bytes = try #require(written { writer.write(into: $0) })
        #expect(Array(bytes[0..<4]) == [0x82, 200, 0, 18])
        try withPacket(bytes) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            let report = try #require(RTCPSenderReport(header, in: packet))
            #expect(report.ntpTimestamp == 0x0102_0304_0506_0708)
            #expect(Array(report.reportBlocks.elements(in: packet)) == [block, block])
        }
        #expect(written(capacity: 75) { writer.write(into: $0) } == nil)
    }

    @Test("§6.4.2: RR writer with no blocks is 8 bytes; more than 31 blocks is refused")
    func receiverReportWriter() {
        let empty = RTCPReceiverReportWriter(ssrc: 0x0A0B_0C0D, reportBlocks: EmptyCollection<RTCPReportBlock>())
        #expect(written { empty.write(into: $0) } == [0x80, 201, 0, 1, 0x0A, 0x0B, 0x0C, 0x0D])
        let tooMany = RTCPReceiverReportWriter(ssrc: 1, reportBlocks: Array(repeating: block, count: 32))
        #expect(written { tooMany.write(into: $0) } == nil)
    }
}
