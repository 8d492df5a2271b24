import RTPWire
import Testing

@Suite("RTP header extensions (RFC 8285) and audio level (RFC 6464)")
struct RTPHeaderExtensionTests {
    /// A packet with the given extension profile and extension data (a multiple of 4 bytes).
    func packet(profile: UInt16, data: [UInt8]) -> [UInt8] {
        rtpFixedHeader(extension: true) + be16(profile) + be16(UInt16(data.count / 4)) + data + [0xAB, 0xCD]
    }

    @Test("RFC 8285 §4.2: one-byte elements, length field is length minus one")
    func oneByteElements() throws {
        // id 1 len 1 (L=0), id 2 len 2 (L=1), padding byte, id 3 len 4 (L=3): the §4.2 figure.
        let data: [UInt8] = [0x10, 0xAA, 0x21, 0xBB, 0xCC, 0x00, 0x00, 0x33, 0x01, 0x02, 0x03, 0x04]
        try withPacket(packet(profile: 0xBEDE, data: data)) { bytes in
            let header = try #require(RTPHeader(parsing: bytes))
            #expect(header.extensionElement(id: 1, in: bytes) == 17..<18)
            #expect(header.extensionElement(id: 2, in: bytes) == 19..<21)
            #expect(header.extensionElement(id: 3, in: bytes) == 24..<28)
            #expect(header.extensionElement(id: 4, in: bytes) == nil)
            #expect(header.extensionElement(id: 0, in: bytes) == nil)
            #expect(header.payloadRange == 28..<30)
        }
    }

    @Test("RFC 8285 §4.2: ID 15 stops parsing; later elements are not considered")
    func oneByteID15Stops() throws {
        let data: [UInt8] = [0x10, 0xAA, 0xF0, 0x00, 0x20, 0xBB, 0x00, 0x00]
        try withPacket(packet(profile: 0xBEDE, data: data)) { bytes in
            let header = try #require(RTPHeader(parsing: bytes))
            #expect(header.extensionElement(id: 1, in: bytes) != nil)
            #expect(header.extensionElement(id: 2, in: bytes) == nil)
            #expect(header.extensionElement(id: 15, in: bytes) == nil)
        }
    }

    @Test("RFC 8285 §4.2: an element longer than the extension is not returned, nor anything after it")
    func oneByteOverrun() throws {
        let data: [UInt8] = [0x10, 0xAA, 0x2F, 0x00]
        try withPacket(packet(profile: 0xBEDE, data: data)) { bytes in
            let header = try #require(RTPHeader(parsing: bytes))
            #expect(header.extensionElement(id: 1, in: bytes) == 17..<18)
            #expect(header.extensionElement(id: 2, in: bytes) == nil)
        }
    }

    @Test("RFC 8285 §4.3: two-byte elements carry an 8-bit id and an 8-bit length, zero allowed")
    func twoByteElements() throws {
        // The §4.3 figure: id 1 len 0, id 2 len 1, padding, id 3 len 4.
        let data: [UInt8] = [0x01, 0x00, 0x02, 0x01, 0x42, 0x00, 0x03, 0x04, 0x01, 0x02, 0x03, 0x04]
        try withPacket(packet(profile: 0x1000, data: data)) { bytes in
            let header = try #require(RTPHeader(parsing: bytes))
            #expect(header.extensionElement(id: 1, in: bytes) == 18..<18)
            #expect(header.extensionElement(id: 2, in: bytes) == 20..<21)
            #expect(header.extensionElement(id: 3, in: bytes) == 24..<28)
        }
    }

    @Test("RFC 8285 §4.3: ids above 14 and appbits 0x1000...0x100F are accepted")
    func twoByteHighIDs() throws {
        let data: [UInt8] = [0xFF, 0x02, 0x07, 0x08]
        try withPacket(packet(profile: 0x100F, data: data)) { bytes in
            let header = try #require(RTPHeader(parsing: bytes))
            #expect(header.extensionElement(id: 255, in: bytes) == 18..<20)
        }
    }

    @Test("RFC 8285 §4.1: other profiles have no elements")
    func otherProfiles() throws {
        try withPacket(packet(profile: 0xABAC, data: [0x10, 0xAA, 0x00, 0x00])) { bytes in
            let header = try #require(RTPHeader(parsing: bytes))
            #expect(header.extensionProfile == 0xABAC)
            #expect(header.extensionElement(id: 1, in: bytes) == nil)
        }
    }

    @Test("RFC 6464 §3: V bit is voice activity, 7 bits are -dBov; one-byte form")
    func audioLevelOneByte() throws {
        try withPacket(packet(profile: 0xBEDE, data: [0x30, 0x80 | 42, 0x00, 0x00])) { bytes in
            let header = try #require(RTPHeader(parsing: bytes))
            #expect(header.audioLevel(extensionID: 3, in: bytes) == AudioLevel(voiceActivity: true, level: 42))
            #expect(header.audioLevel(extensionID: 1, in: bytes) == nil)
        }
    }

    @Test("RFC 6464 §3: the audio level in the two-byte form")
    func audioLevelTwoByte() throws {
        try withPacket(packet(profile: 0x1000, data: [0x05, 0x01, 0x7F, 0x00])) { bytes in
            let header = try #require(RTPHeader(parsing: bytes))
            #expect(header.audioLevel(extensionID: 5, in: bytes) == AudioLevel(voiceActivity: false, level: 127))
        }
    }

    @Test("RFC 6464 §3: an empty element carries no level")
    func audioLevelEmpty() throws {
        try withPacket(packet(profile: 0x1000, data: [0x05, 0x00, 0x00, 0x00])) { bytes in
            let header = try #require(RTPHeader(parsing: bytes))
            #expect(header.audioLevel(extensionID: 5, in: bytes) == nil)
        }
    }

    @Test("RFC 6464 §3: levels range 0...127; larger values clamp to 127 (silence)")
    func audioLevelClamps() {
        #expect(AudioLevel(voiceActivity: false, level: 200).level == 127)
        #expect(AudioLevel(voiceActivity: true, level: 0).wireByte == 0x80)
        #expect(AudioLevel(wireByte: 0xFF) == AudioLevel(voiceActivity: true, level: 127))
    }
}
