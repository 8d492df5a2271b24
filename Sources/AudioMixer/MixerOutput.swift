/// One RTP packet a participant is sent.
public struct MixerPacket {
    /// The encoded payload, valid until the next tick.
    public var payload: UnsafeRawBufferPointer
    /// False when the encoder chose discontinuous transmission for this frame: send nothing, but let the
    /// RTP timestamp advance (RFC 7587 §3.1.3).
    public var transmit: Bool
    /// The RTP marker bit: the first packet after a pause (RFC 3551 §4.1).
    public var marker: Bool
    /// How far the RTP timestamp advances after this packet.
    public var timestampIncrement: UInt32

    static func none(timestampIncrement: UInt32) -> MixerPacket {
        MixerPacket(payload: UnsafeRawBufferPointer(start: nil, count: 0), transmit: false, marker: false, timestampIncrement: timestampIncrement)
    }
}

/// What one participant is sent after a tick: one 20 ms packet, or two 10 ms packets when its peer's maxptime asked for
/// less than 20 (send them in order, each advancing the timestamp by its own increment).
public struct MixerOutput {
    /// Packets this tick: 1 or 2.
    public let packetCount: Int
    private let packets: (MixerPacket, MixerPacket)

    init(_ first: MixerPacket, _ second: MixerPacket? = nil) {
        packetCount = second == nil ? 1 : 2
        packets = (first, second ?? first)
    }

    /// Packet `index`, `0..<packetCount` (an index past the last gives the last).
    public subscript(index: Int) -> MixerPacket { index <= 0 || packetCount == 1 ? packets.0 : packets.1 }

    /// The first (or only) packet's payload.
    public var payload: UnsafeRawBufferPointer { packets.0.payload }
    /// Whether the first (or only) packet is to be sent.
    public var transmit: Bool { packets.0.transmit }
    /// The first (or only) packet's marker bit.
    public var marker: Bool { packets.0.marker }
    /// How far the RTP timestamp advances after the first (or only) packet: over the whole tick for 20 ms packets.
    public var timestampIncrement: UInt32 { packets.0.timestampIncrement }

    static var none: MixerOutput { MixerOutput(.none(timestampIncrement: 0)) }
}
