import RTPWire
import Testing

@Suite("RTP fixed header (RFC 3550 §5.1)")
struct RTPHeaderTests {
    @Test("§5.1: fixed fields are read big-endian; payload follows the 12-byte header")
    func fixedFields() throws {
        let bytes = rtpFixedHeader(marker: true, payloadType: 111, sequence: 0xABCD, timestamp: 0x0102_0304, ssrc: 0xCAFE_BABE)
            + [0xF8, 0xFF, 0xFE]
        let header = try #require(withPacket(bytes) { RTPHeader(parsing: $0) })
        #expect(header.marker)
        #expect(header.payloadType == 111)
        #expect(header.sequenceNumber == 0xABCD)
        #expect(header.timestamp == 0x0102_0304)
        #expect(header.ssrc == 0xCAFE_BABE)
        #expect(header.csrcCount == 0)
        #expect(!header.hasPadding)
        #expect(header.extensionProfile == nil)
        #expect(header.extensionRange.isEmpty)
        #expect(header.payloadRange == 12..<15)
    }

    @Test("§5.1: a header with no payload is valid")
    func emptyPayload() throws {
        let header = try #require(withPacket(rtpFixedHeader()) { RTPHeader(parsing: $0) })
        #expect(header.payloadRange == 12..<12)
    }

    @Test("§5.1: version must be 2")
    func rejectsOtherVersions() {
        for version: UInt8 in [0, 1, 3] {
            var bytes = rtpFixedHeader()
            bytes[0] = version << 6
            #expect(withPacket(bytes) { RTPHeader(parsing: $0) } == nil)
        }
    }

    @Test("§5.1: shorter than the 12-byte fixed header is rejected")
    func rejectsShortPackets() {
        let bytes = rtpFixedHeader()
        for length in 0..<12 {
            #expect(withPacket(Array(bytes[0..<length])) { RTPHeader(parsing: $0) } == nil)
        }
    }

    @Test("§5.1: CC CSRC identifiers follow the fixed header and precede the payload")
    func csrcList() throws {
        let bytes = rtpFixedHeader(csrcCount: 2) + be32(0x1111_1111) + be32(0x2222_2222) + [0xAA]
        try withPacket(bytes) { packet in
            let header = try #require(RTPHeader(parsing: packet))
            #expect(header.csrcCount == 2)
            #expect(header.csrc(0, in: packet) == 0x1111_1111)
            #expect(header.csrc(1, in: packet) == 0x2222_2222)
            #expect(header.csrc(2, in: packet) == nil)
            #expect(header.csrc(-1, in: packet) == nil)
            #expect(header.payloadRange == 20..<21)
        }
    }

    @Test("§5.1: a CSRC count that overruns the packet is rejected")
    func rejectsCSRCOverrun() {
        let bytes = rtpFixedHeader(csrcCount: 15) + be32(1)
        #expect(withPacket(bytes) { RTPHeader(parsing: $0) } == nil)
    }

    @Test("§5.1: padding count (last octet, counting itself) is excluded from the payload")
    func padding() throws {
        let bytes = rtpFixedHeader(padding: true) + [1, 2, 3, 4, 5] + [0, 0, 3]
        let header = try #require(withPacket(bytes) { RTPHeader(parsing: $0) })
        #expect(header.hasPadding)
        #expect(header.payloadRange == 12..<17)
    }

    @Test("§5.1: padding may take the whole payload")
    func paddingOnly() throws {
        let bytes = rtpFixedHeader(padding: true) + [0, 0, 0, 4]
        let header = try #require(withPacket(bytes) { RTPHeader(parsing: $0) })
        #expect(header.payloadRange.isEmpty)
    }

    @Test("§5.1: a zero padding count or one longer than what follows the header is rejected")
    func rejectsBadPadding() {
        #expect(withPacket(rtpFixedHeader(padding: true) + [1, 2, 0]) { RTPHeader(parsing: $0) } == nil)
        #expect(withPacket(rtpFixedHeader(padding: true) + [1, 2, 4]) { RTPHeader(parsing: $0) } == nil)
        #expect(withPacket(rtpFixedHeader(padding: true)) { RTPHeader(parsing: $0) } == nil)
    }

    @Test("§5.3.1: the extension header gives the profile and the length in 32-bit words")
    func extensionRange() throws {
        let bytes = rtpFixedHeader(extension: true, csrcCount: 1) + be32(9) + [0xBE, 0xDE, 0x00, 0x01]
            + [0x10, 0x7F, 0x00, 0x00] + [0x55]
        let header = try #require(withPacket(bytes) { RTPHeader(parsing: $0) })
        #expect(header.extensionProfile == 0xBEDE)
        #expect(header.extensionRange == 20..<24)
        #expect(header.payloadRange == 24..<25)
    }

    @Test("§5.3.1: an extension whose header or length overruns the packet is rejected")
    func rejectsExtensionOverrun() {
        #expect(withPacket(rtpFixedHeader(extension: true) + [0xBE, 0xDE]) { RTPHeader(parsing: $0) } == nil)
        let long = rtpFixedHeader(extension: true) + [0xBE, 0xDE, 0x00, 0x02] + [0x10, 0x00, 0x00, 0x00]
        #expect(withPacket(long) { RTPHeader(parsing: $0) } == nil)
    }

    @Test("§5.1 + §5.3.1: padding cannot reach back into the extension")
    func rejectsPaddingIntoExtension() {
        let bytes = rtpFixedHeader(padding: true, extension: true) + [0xBE, 0xDE, 0x00, 0x01] + [0x10, 0x7F, 0x00, 0x05]
        #expect(withPacket(bytes) { RTPHeader(parsing: $0) } == nil)
    }
}
