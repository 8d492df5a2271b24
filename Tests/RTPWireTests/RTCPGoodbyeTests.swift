import RTPWire
import Testing

@Suite("RTCP BYE (RFC 3550 §6.6) and APP (§6.7)")
struct RTCPGoodbyeTests {
    @Test("§6.6: SC sources and an optional length-prefixed reason")
    func parseWithReason() throws {
        let body = be32(0xA) + be32(0xB) + [6] + Array("moving".utf8) + [0]
        let bytes = rtcpPacket(count: 2, type: 203, body: body)
        try withPacket(bytes) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            let goodbye = try #require(RTCPGoodbye(header, in: packet))
            #expect(Array(goodbye.sources.elements(in: packet)) == [0xA, 0xB])
            let reason = try #require(goodbye.reasonRange)
            #expect(Array(bytes[reason]) == Array("moving".utf8))
        }
    }

    @Test("§6.6: no reason when the SSRC list fills the packet")
    func parseWithoutReason() throws {
        try withPacket(rtcpPacket(count: 1, type: 203, body: be32(0xA))) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            let goodbye = try #require(RTCPGoodbye(header, in: packet))
            #expect(goodbye.reasonRange == nil)
            #expect(goodbye.sources.count == 1)
        }
    }

    @Test("§6.6: a reason or SSRC list that overruns the packet is rejected")
    func rejectsOverrun() throws {
        for bytes in [rtcpPacket(count: 1, type: 203, body: be32(0xA) + [9, 0x61, 0x62, 0x63]),
                      rtcpPacket(count: 3, type: 203, body: be32(0xA) + be32(0xB))] {
            try withPacket(bytes) { packet in
                let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
                #expect(RTCPGoodbye(header, in: packet) == nil)
            }
        }
    }

    @Test("§6.6: BYE writer pads the reason to 32 bits and parses back")
    func writerRoundTrip() throws {
        let writer = RTCPGoodbyeWriter(sources: [UInt32(1), 2, 3], reason: "bye")
        #expect(writer.encodedSize == 20)
        let bytes = try #require(written { writer.write(into: $0) })
        #expect(Array(bytes[0..<4]) == [0x83, 203, 0, 4])
        #expect(Array(bytes[16..<20]) == [3] + Array("bye".utf8))
        try withPacket(bytes) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            let goodbye = try #require(RTCPGoodbye(header, in: packet))
            #expect(Array(goodbye.sources.elements(in: packet)) == [1, 2, 3])
        }
        let plain = RTCPGoodbyeWriter(sources: CollectionOfOne(UInt32(9)))
        #expect(written { plain.write(into: $0) } == [0x81, 203, 0, 1, 0, 0, 0, 9])
    }

    @Test("§6.7: APP subtype, name and data; writer refuses data not a multiple of 4")
    func applicationDefined() throws {
        let name: UInt32 = 0x5155_414C  // "QUAL"
        let writer = RTCPApplicationDefinedWriter(subtype: 3, ssrc: 5, name: name, data: [1, 2, 3, 4] as [UInt8])
        let bytes = try #require(written { writer.write(into: $0) })
        #expect(bytes == [0x83, 204, 0, 3] + be32(5) + Array("QUAL".utf8) + [1, 2, 3, 4])
        try withPacket(bytes) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            let application = try #require(RTCPApplicationDefined(header, in: packet))
            #expect(application.subtype == 3 && application.ssrc == 5 && application.name == name)
            #expect(application.dataRange == 12..<16)
        }
        let odd = RTCPApplicationDefinedWriter(subtype: 0, ssrc: 0, name: name, data: [1, 2] as [UInt8])
        #expect(written { odd.write(into: $0) } == nil)
    }
}
