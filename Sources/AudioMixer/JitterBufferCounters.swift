/// What one participant's jitter buffer has seen, for statistics and RTCP.
public struct JitterBufferCounters: Sendable, Equatable {
    /// Packets accepted into the buffer.
    public var accepted: UInt64 = 0
    /// Packets that arrived after their playout time and were dropped.
    public var late: UInt64 = 0
    /// Second copies of a packet already buffered, dropped.
    public var duplicates: UInt64 = 0
    /// Payloads larger than a slot, dropped.
    public var oversized: UInt64 = 0
    /// Packets with no media time or more than 120 ms of it (an empty payload, an Opus TOC that says so), dropped.
    public var invalidDuration: UInt64 = 0
    /// Packets that never arrived while later ones did (gaps in the sequence numbers that playout passed).
    public var lost: UInt64 = 0
    /// Lost 20 ms frames rebuilt from the in-band FEC of the next packet.
    public var recoveredByFEC: UInt64 = 0
    /// 20 ms frames synthesised by packet-loss concealment (loss or underrun); a lost 40 ms packet counts two.
    public var concealed: UInt64 = 0
    /// Ticks where nothing was due yet during a talk spurt: playout waited one frame (the delay grew).
    public var stretched: UInt64 = 0
    /// Packets dropped, or pauses shortened, because the buffer held more than its target for too long (the delay shrank).
    public var shrunk: UInt64 = 0
    /// Times the buffer restarted on a stream jump (new timestamp base, long pause, reset sender).
    public var resynchronized: UInt64 = 0
    /// Stretches played as silence because the sender sent nothing on purpose (DTX, RFC 7587 §3.1.3).
    public var discontinuous: UInt64 = 0
    /// The current playout delay in milliseconds.
    public var currentDelayMilliseconds: Int = 0
    /// The delay the buffer currently aims for, in milliseconds.
    public var targetDelayMilliseconds: Int = 0

    public init() {}
}
