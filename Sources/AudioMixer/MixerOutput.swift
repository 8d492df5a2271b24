/// What one participant is sent after a tick.
public struct MixerOutput {
    /// The encoded payload, valid until the next tick.
    public var payload: UnsafeRawBufferPointer
    /// False when the encoder chose discontinuous transmission for this frame: send nothing, but let the
    /// RTP timestamp advance (RFC 7587 §3.1.3).
    public var transmit: Bool
    /// The RTP marker bit: the first packet after a pause (RFC 3551 §4.1).
    public var marker: Bool
    /// How far the RTP timestamp advances for this frame.
    public var timestampIncrement: UInt32

    static var none: MixerOutput { MixerOutput(payload: UnsafeRawBufferPointer(start: nil, count: 0), transmit: false, marker: false, timestampIncrement: 0) }
}
