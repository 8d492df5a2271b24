import RTPWire
import Testing

@Suite("RTCP SDES (RFC 3550 §6.5)")
struct RTCPSourceDescriptionTests {
    /// Two chunks: CNAME + TOOL for SSRC 1; NAME + CNAME for SSRC 2.
    var twoChunks: [UInt8] {
        let first = be32(1) + [1, 5] + Array("alice".utf8) + [6, 2] + Array("rx".utf8) + [0]
        let second = be32(2) + [2, 1, 0x42] + [1, 3] + Array("bob".utf8) + [0, 0, 0, 0]
        return rtcpPacket(count: 2, type: 202, body: first + second)
    }

    @Test("§6.5: chunks and items are walked; CNAME is found per SSRC")
    func parseChunks() throws {
        let bytes = twoChunks
        try withPacket(bytes) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            let description = try #require(RTCPSourceDescription(header, in: packet))
            #expect(description.chunkCount == 2)
            let chunks = Array(description.chunks(in: packet))
            #expect(chunks.map(\.ssrc) == [1, 2])
            #expect(Array(chunks[0].items(in: packet)).map(\.type) == [1, 6])
            #expect(Array(chunks[1].items(in: packet)).map(\.type) == [2, 1])
            let cname = try #require(description.cname(for: 2, in: packet))
            #expect(Array(bytes[cname]) == Array("bob".utf8))
            let first = try #require(description.cname(in: packet))
            #expect(Array(bytes[first]) == Array("alice".utf8))
            #expect(description.cname(for: 3, in: packet) == nil)
        }
    }

    @Test("§6.5: an item list must end with a null octet inside the packet")
    func rejectsUnterminatedChunk() throws {
        let bytes = rtcpPacket(count: 1, type: 202, body: be32(1) + [1, 2] + Array("ab".utf8))
        try withPacket(bytes) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            #expect(RTCPSourceDescription(header, in: packet) == nil)
        }
    }

    @Test("§6.5: an item whose length overruns the packet is rejected")
    func rejectsItemOverrun() throws {
        let bytes = rtcpPacket(count: 1, type: 202, body: be32(1) + [1, 200, 0x61, 0x62])
        try withPacket(bytes) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            #expect(RTCPSourceDescription(header, in: packet) == nil)
        }
    }

    @Test("§6.5: SC larger than the chunks present is rejected")
    func rejectsMissingChunk() throws {
        let bytes = rtcpPacket(count: 2, type: 202, body: be32(1) + [1, 1, 0x61, 0])
        try withPacket(bytes) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            #expect(RTCPSourceDescription(header, in: packet) == nil)
        }
    }

    @Test("§6.5.1: CNAME writer pads with 1...4 null octets to a 32-bit boundary")
    func writeCNAME() throws {
        for name in ["", "a", "ab", "abc", "abcd", "user@example.com"] {
            let writer = RTCPSourceDescriptionWriter(ssrc: 0x0102_0304, cname: name)
            let bytes = try #require(written { writer.write(into: $0) })
            #expect(bytes.count == writer.encodedSize)
            #expect(bytes.count % 4 == 0)
            #expect(bytes.count - (8 + 2 + name.utf8.count) >= 1)
            try withPacket(bytes) { packet in
                let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
                let description = try #require(RTCPSourceDescription(header, in: packet))
                let range = try #require(description.cname(for: 0x0102_0304, in: packet))
                #expect(Array(bytes[range]) == Array(name.utf8))
            }
        }
    }

    @Test("§6.5.1: the item length octet limits a CNAME to 255 bytes")
    func rejectsLongCNAME() {
        let writer = RTCPSourceDescriptionWriter(ssrc: 1, cname: String(repeating: "x", count: 256))
        #expect(written(capacity: 400) { writer.write(into: $0) } == nil)
    }
}
