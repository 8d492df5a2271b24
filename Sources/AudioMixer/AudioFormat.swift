public import OpusCodec

/// The codec a participant sends and receives, as negotiated in SDP.
public enum AudioFormat: Hashable, Sendable {
    /// Opus (RFC 7587), with the settings of the encoder that feeds this participant.
    case opus(OpusEncoderSettings)
    /// G.711 µ-law (RFC 3551 PCMU, 8 kHz).
    case pcmu
    /// G.711 A-law (RFC 3551 PCMA, 8 kHz).
    case pcma

    /// The RTP clock rate.
    public var clockRate: Int {
        switch self {
        case .opus: 48_000
        case .pcmu, .pcma: 8_000
        }
    }

    /// RTP timestamp units in one 20 ms frame.
    public var samplesPerFrame: Int { clockRate / 50 }
}
