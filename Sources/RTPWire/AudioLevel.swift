// RFC 6464 — client-to-mixer audio level indication, one data byte in an RFC 8285 element.
//
//  0                   1
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  ID   | len=0 |V| level       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   V: voice activity; level: 0...127, meaning -level dBov (127 = silence or muted).

/// RFC 6464 client-to-mixer audio level.
public struct AudioLevel: Sendable, Equatable, Hashable {
    /// The V bit: the sender's voice activity detector saw speech in this packet.
    public var voiceActivity: Bool
    /// 0...127, meaning -level dBov (0 is loudest, 127 = silence).
    public var level: UInt8

    /// A level; `level` above 127 is clamped to 127 (silence).
    public init(voiceActivity: Bool, level: UInt8) {
        self.voiceActivity = voiceActivity
        self.level = min(level, 127)
    }

    /// Decodes the one data byte of the extension element.
    public init(wireByte: UInt8) {
        self.voiceActivity = wireByte & 0x80 != 0
        self.level = wireByte & 0x7F
    }

    /// The one data byte of the extension element.
    public var wireByte: UInt8 {
        (voiceActivity ? 0x80 : 0) | min(level, 127)
    }
}
