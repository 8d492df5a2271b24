import RTPWire
import Testing

@Suite("RTP header writer (RFC 3550 §5.1, RFC 8285 §4.2, RFC 6464)")
struct RTPHeaderWriterTests {
    @Test("§5.1: a plain header is 12 bytes, V=2, fields big-endian")
    func plainHeader() {
        let writer = RTPHeaderWriter(payloadType: 111, sequenceNumber: 0x0102, timestamp: 0x0304_0506, ssrc: 0x0708_090A, marker: true)
        #expect(writer.encodedSize == 12)
        let bytes = written { writer.write(into: $0) }
        #expect(bytes == [0x80, 0xEF, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A])
    }

    @Test("§5.1 + RFC 6464: CSRCs, then a one-byte-form extension with the level, padded to 32 bits")
    func csrcsAndAudioLevel() throws {
        var writer = RTPHeaderWriter(payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3)
        writer.csrcs = [0xAAAA_AAAA, 0xBBBB_BBBB]
        writer.audioLevel = AudioLevel(voiceActivity: true, level: 30)
        writer.audioLevelExtensionID = 4
        #expect(writer.encodedSize == 28)
        let bytes = try #require(written { writer.write(into: $0) })
        #expect(Array(bytes[0..<2]) == [0x92, 96])
        #expect(Array(bytes[20..<28]) == [0xBE, 0xDE, 0x00, 0x01, 0x40, 0x80 | 30, 0x00, 0x00])
        try withPacket(bytes + [0x01, 0x02]) { packet in
            let header = try #require(RTPHeader(parsing: packet))
            #expect(header.csrc(1, in: packet) == 0xBBBB_BBBB)
            #expect(header.audioLevel(extensionID: 4, in: packet) == writer.audioLevel)
            #expect(header.payloadRange == 28..<30)
        }
    }

    @Test("trio: write returns nil when the buffer is too small, and writes nothing past it")
    func tooSmall() {
        var writer = RTPHeaderWriter(payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0)
        writer.audioLevel = AudioLevel(voiceActivity: false, level: 127)
        #expect(written(capacity: 19) { writer.write(into: $0) } == nil)
        #expect(written(capacity: 20) { writer.write(into: $0) }?.count == 20)
    }

    @Test("RFC 8285 §4.2: the one-byte form cannot carry ids 0 or 15")
    func rejectsBadExtensionID() {
        var writer = RTPHeaderWriter(payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0)
        writer.audioLevel = AudioLevel(voiceActivity: false, level: 1)
        for id: UInt8 in [0, 15, 16] {
            writer.audioLevelExtensionID = id
            #expect(written { writer.write(into: $0) } == nil)
        }
    }

    @Test("§5.1: at most 15 CSRCs fit the CC field")
    func rejectsTooManyCSRCs() {
        var writer = RTPHeaderWriter(payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0)
        writer.csrcs = Array(repeating: 1, count: 16)
        #expect(written { writer.write(into: $0) } == nil)
        writer.csrcs.removeLast()
        #expect(written { writer.write(into: $0) }?.first == 0x8F)
    }
}
