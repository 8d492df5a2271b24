// RFC 3550 §6.4.1 — one reception report block (24 bytes), in SR and RR packets.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// |                 SSRC_1 (SSRC of first source)                 |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | fraction lost |       cumulative number of packets lost       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           extended highest sequence number received           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                      interarrival jitter                      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                         last SR (LSR)                         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                   delay since last SR (DLSR)                  |
// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+

/// One RTCP reception report block (RFC 3550 §6.4.1).
public struct RTCPReportBlock: Sendable, Equatable, Hashable {
    /// The source this block reports on.
    public var ssrc: UInt32
    /// Packets lost since the previous report, as a fixed-point fraction of 256.
    public var fractionLost: UInt8
    /// Packets lost since reception began: a 24-bit signed value (-8388608...8388607).
    public var cumulativeLost: Int32
    /// The highest sequence number received, with wrap count in the high 16 bits.
    public var extendedHighestSequence: UInt32
    /// Interarrival jitter in RTP timestamp units.
    public var jitter: UInt32
    /// The middle 32 bits of the NTP timestamp of the last SR received from this source (0 if none).
    public var lastSR: UInt32
    /// Delay between receiving that SR and sending this block, in units of 1/65536 s.
    public var delaySinceLastSR: UInt32

    /// A report block; `cumulativeLost` is clamped to the 24-bit signed range.
    public init(
        ssrc: UInt32, fractionLost: UInt8, cumulativeLost: Int32, extendedHighestSequence: UInt32,
        jitter: UInt32, lastSR: UInt32, delaySinceLastSR: UInt32
    ) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = Self.clampCumulativeLost(Int64(cumulativeLost))
        self.extendedHighestSequence = extendedHighestSequence
        self.jitter = jitter
        self.lastSR = lastSR
        self.delaySinceLastSR = delaySinceLastSR
    }

    /// Clamps a loss count to what the 24-bit signed field can carry (RFC 3550 §6.4.1).
    public static func clampCumulativeLost(_ value: Int64) -> Int32 {
        Int32(truncatingIfNeeded: min(max(value, -0x80_0000), 0x7F_FFFF))
    }
}

extension RTCPReportBlock: RTCPWireElement {
    /// 24 bytes.
    public static var wireSize: Int { 24 }

    /// Parses a block at `offset`; nil when fewer than 24 bytes remain.
    public init?(parsing buffer: UnsafeRawBufferPointer, at offset: Int) {
        guard let ssrc = buffer.uint32(at: offset),
              let lossWord = buffer.uint32(at: offset &+ 4),
              let highest = buffer.uint32(at: offset &+ 8),
              let jitter = buffer.uint32(at: offset &+ 12),
              let lastSR = buffer.uint32(at: offset &+ 16),
              let delay = buffer.uint32(at: offset &+ 20)
        else { return nil }
        self.ssrc = ssrc
        self.fractionLost = UInt8(truncatingIfNeeded: lossWord >> 24)
        // Sign-extend the low 24 bits.
        self.cumulativeLost = Int32(bitPattern: lossWord << 8) >> 8
        self.extendedHighestSequence = highest
        self.jitter = jitter
        self.lastSR = lastSR
        self.delaySinceLastSR = delay
    }

    /// Writes the 24 bytes at `offset`; nil when they do not fit.
    public func write(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int? {
        guard offset >= 0, buffer.count >= Self.wireSize, offset <= buffer.count - Self.wireSize else { return nil }
        let lost = UInt32(bitPattern: Self.clampCumulativeLost(Int64(cumulativeLost))) & 0x00FF_FFFF
        buffer.store(ssrc, at: offset)
        buffer.store(UInt32(fractionLost) << 24 | lost, at: offset + 4)
        buffer.store(extendedHighestSequence, at: offset + 8)
        buffer.store(jitter, at: offset + 12)
        buffer.store(lastSR, at: offset + 16)
        buffer.store(delaySinceLastSR, at: offset + 20)
        return Self.wireSize
    }
}
