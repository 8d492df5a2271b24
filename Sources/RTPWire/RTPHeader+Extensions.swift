// RFC 8285 — A General Mechanism for RTP Header Extensions.
//
// One-byte form (§4.2), "defined by profile" = 0xBEDE:
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |       0xBE    |    0xDE       |           length=3            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  ID   | L=0   |     data      |  ID   |  L=1  |   data...
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       ...data   |    0 (pad)    |    0 (pad)    |  ID   | L=3   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                          data                                 |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ID 1...14; L is length - 1; ID 0 is a padding byte; ID 15 ends parsing.
//
// Two-byte form (§4.3), "defined by profile" = 0x100 << 4 | appbits (0x1000...0x100F):
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |       0x10    |    0x00       |           length=3            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |      ID       |     L=0       |     ID        |     L=1       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |       data    |    0 (pad)    |       ID      |      L=4      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                          data                                 |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ID 1...255; L is the data length (0...255); a zero byte where an ID is expected is padding.

extension RTPHeader {
    /// The "defined by profile" value of the RFC 8285 one-byte form.
    public static let oneByteExtensionProfile: UInt16 = 0xBEDE

    /// True when `profile` is an RFC 8285 two-byte form value (0x1000...0x100F).
    public static func isTwoByteExtensionProfile(_ profile: UInt16) -> Bool {
        profile & 0xFFF0 == 0x1000
    }

    /// The byte range of the data of the RFC 8285 extension element `id`, or nil when absent.
    ///
    /// Handles the one-byte form (ids 1...14; an id-15 element ends parsing, RFC 8285 §4.2) and the
    /// two-byte form (ids 1...255); padding bytes are skipped. Returns nil for any other profile,
    /// and for an element whose length overruns the extension, as well as for any element after it.
    public func extensionElement(id: UInt8, in packet: UnsafeRawBufferPointer) -> Range<Int>? {
        guard id != 0, let profile = extensionProfile, packet.contains(extensionRange) else { return nil }
        let end = extensionRange.upperBound
        var offset = extensionRange.lowerBound
        if profile == Self.oneByteExtensionProfile {
            guard id < 15 else { return nil }
            while offset < end, let byte = packet.uint8(at: offset) {
                let elementID = byte >> 4
                if elementID == 0 {
                    offset += 1
                    continue
                }
                if elementID == 15 { return nil }
                let dataStart = offset + 1
                let dataEnd = dataStart + Int(byte & 0x0F) + 1
                guard dataEnd <= end else { return nil }
                if elementID == id { return dataStart..<dataEnd }
                offset = dataEnd
            }
            return nil
        }
        if Self.isTwoByteExtensionProfile(profile) {
            while offset < end, let elementID = packet.uint8(at: offset) {
                if elementID == 0 {
                    offset += 1
                    continue
                }
                guard let length = packet.uint8(at: offset + 1), offset + 1 < end else { return nil }
                let dataStart = offset + 2
                let dataEnd = dataStart + Int(length)
                guard dataEnd <= end else { return nil }
                if elementID == id { return dataStart..<dataEnd }
                offset = dataEnd
            }
        }
        return nil
    }

    /// The RFC 6464 client-to-mixer audio level carried in extension element `extensionID`,
    /// or nil when the element is absent or empty.
    public func audioLevel(extensionID: UInt8, in packet: UnsafeRawBufferPointer) -> AudioLevel? {
        guard let range = extensionElement(id: extensionID, in: packet), !range.isEmpty,
              let byte = packet.uint8(at: range.lowerBound)
        else { return nil }
        return AudioLevel(wireByte: byte)
    }
}
