import RTPWire
import Testing

@Suite("RTCP feedback: generic NACK, PLI (RFC 4585), FIR (RFC 5104)")
struct RTCPFeedbackTests {
    @Test("RFC 4585 §6.2.1: PID is lost, BLP bit i means PID+i+1 is lost")
    func nackExpansion() throws {
        let bytes = rtcpPacket(count: 1, type: 205, body: be32(1) + be32(2) + be16(100) + be16(0b1000_0000_0000_0101))
        try withPacket(bytes) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            let nack = try #require(RTCPGenericNACK(header, in: packet))
            #expect(nack.senderSSRC == 1 && nack.mediaSSRC == 2)
            #expect(nack.pairs.count == 1)
            #expect(Array(nack.lostSequenceNumbers(in: packet)) == [100, 101, 103, 116])
        }
    }

    @Test("RFC 4585 §6.2.1: BLP expansion wraps past 65535")
    func nackExpansionWraps() {
        let pair = RTCPNACKPair(packetID: 65534, lostBitmask: 0b111)
        #expect(Array(pair.lostSequenceNumbers) == [65534, 65535, 0, 1])
    }

    @Test("RFC 4585 §6.2.1: a NACK needs at least one FCI entry")
    func nackRejectsEmpty() throws {
        try withPacket(rtcpPacket(count: 1, type: 205, body: be32(1) + be32(2))) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            #expect(RTCPGenericNACK(header, in: packet) == nil)
        }
    }

    @Test("RFC 4585 §6.2.1: building from sorted lost numbers folds up to 16 following into BLP")
    func nackBuilder() throws {
        let lost: [UInt16] = [10, 11, 26, 27, 27, 40, 65535, 0, 3]
        let writer = RTCPGenericNACKWriter(senderSSRC: 1, mediaSSRC: 2, lostSequenceNumbers: lost)
        // 10 (+11, +26); 27 (+40); 65535 (+0, +3).
        #expect(writer.pairCount == 3)
        let bytes = try #require(written { writer.write(into: $0) })
        #expect(bytes.count == 24)
        #expect(Array(bytes[0..<4]) == [0x81, 205, 0, 5])
        #expect(Array(bytes[12..<16]) == be16(10) + be16(0b1000_0000_0000_0001))
        try withPacket(bytes) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            let nack = try #require(RTCPGenericNACK(header, in: packet))
            #expect(Array(nack.lostSequenceNumbers(in: packet)) == [10, 11, 26, 27, 40, 65535, 0, 3])
        }
    }

    @Test("RFC 4585 §6.2.1: an empty lost list writes nothing")
    func nackBuilderEmpty() {
        let writer = RTCPGenericNACKWriter(senderSSRC: 1, mediaSSRC: 2, lostSequenceNumbers: [UInt16]())
        #expect(written { writer.write(into: $0) } == nil)
    }

    @Test("RFC 4585 §6.3.1: PLI is PSFB FMT 1 with both SSRCs and no FCI")
    func pictureLossIndication() throws {
        let pli = RTCPPictureLossIndication(senderSSRC: 0x0A, mediaSSRC: 0x0B)
        let bytes = try #require(written { pli.write(into: $0) })
        #expect(bytes == [0x81, 206, 0, 2] + be32(0x0A) + be32(0x0B))
        try withPacket(bytes) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            #expect(RTCPPictureLossIndication(header, in: packet) == pli)
            #expect(RTCPFullIntraRequest(header, in: packet) == nil)
        }
    }

    @Test("RFC 5104 §4.3.1: FIR entries are SSRC + seq nr + 24 reserved bits; media SSRC is 0")
    func fullIntraRequest() throws {
        let entries = [RTCPFIREntry(ssrc: 0x1234, sequenceNumber: 7), RTCPFIREntry(ssrc: 0x5678, sequenceNumber: 255)]
        let writer = RTCPFullIntraRequestWriter(senderSSRC: 9, entries: entries)
        let bytes = try #require(written { writer.write(into: $0) })
        #expect(bytes == [0x84, 206, 0, 6] + be32(9) + be32(0) + be32(0x1234) + [7, 0, 0, 0] + be32(0x5678) + [255, 0, 0, 0])
        try withPacket(bytes) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            let fir = try #require(RTCPFullIntraRequest(header, in: packet))
            #expect(fir.mediaSSRC == 0)
            #expect(Array(fir.entries.elements(in: packet)) == entries)
            #expect(fir.entry(for: 0x5678, in: packet)?.sequenceNumber == 255)
            #expect(fir.entry(for: 1, in: packet) == nil)
        }
        #expect(written { RTCPFullIntraRequestWriter(senderSSRC: 9, entries: [RTCPFIREntry]()).write(into: $0) } == nil)
    }
}
