/// Media packets the MCU dropped, by reason (audio, video and RTCP together).
public struct MediaDropStatistics: Sendable, Codable, Equatable {
    /// Too short, not RTP, or a length that does not fit.
    public var malformed: UInt64
    /// SRTP/SRTCP packets whose authentication tag did not verify.
    public var authentication: UInt64
    /// SRTP/SRTCP packets refused by the replay check (RFC 3711 §3.3.2).
    public var replay: UInt64
    /// Packets from an address signalling did not allow, or from another IP once the stream's source was learned.
    public var wrongSource: UInt64
    /// Packets from the signalling source still on probation (before enough consecutive in-sequence packets).
    public var probation: UInt64
    /// Packets from the right address with another SSRC while the stream's SSRC is live.
    public var wrongSSRC: UInt64
    /// Packets with a payload type not negotiated.
    public var payloadType: UInt64

    public init(
        malformed: UInt64 = 0, authentication: UInt64 = 0, replay: UInt64 = 0, wrongSource: UInt64 = 0, probation: UInt64 = 0,
        wrongSSRC: UInt64 = 0, payloadType: UInt64 = 0
    ) {
        self.malformed = malformed
        self.authentication = authentication
        self.replay = replay
        self.wrongSource = wrongSource
        self.probation = probation
        self.wrongSSRC = wrongSSRC
        self.payloadType = payloadType
    }

    /// Every reason with its count, in a fixed order (the `reason` label of `consort_media_dropped_packets_total`).
    public var byReason: [(reason: String, count: UInt64)] {
        [
            ("malformed", malformed), ("authentication", authentication), ("replay", replay), ("wrong_source", wrongSource),
            ("probation", probation), ("wrong_ssrc", wrongSSRC), ("payload_type", payloadType),
        ]
    }

    /// All of them.
    public var total: UInt64 { byReason.reduce(0) { $0 &+ $1.count } }
}
