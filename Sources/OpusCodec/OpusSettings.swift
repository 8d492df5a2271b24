/// How an Opus encoder is set up (RFC 6716, RTP use per RFC 7587). Values are checked by ``OpusEncoder/init(_:)``.
public struct OpusEncoderSettings: Hashable, Sendable, Codable {
    /// The libopus application mode.
    public enum Application: String, Hashable, Sendable, Codable {
        /// Speech: best for conferencing.
        case voip
        /// Music and mixed content.
        case audio
        /// CELT only, lowest delay.
        case restrictedLowDelay
        /// Follows the receivers' loss: CELT (a third of `voip`'s CPU per encode at 32 kbit/s, 4 ms less delay) while
        /// they report little, `voip`'s SILK/hybrid with in-band FEC once one reports ``adaptiveFECLossPercent`` or
        /// more (``OpusEncoder/protect(againstLossPercent:)``). A live switch: libopus changes mode without a seam.
        case adaptive
    }

    /// Channels: 1 (mono) or 2 (stereo).
    public var channels: Int = 1
    /// Target bit rate in bit/s (6000...510000).
    public var bitrate: Int = 32_000
    /// Encoder complexity 0...10; each step trades CPU for quality.
    public var complexity: Int = 5
    /// Put in-band forward error correction (LBRR) into packets so a receiver can rebuild a lost frame from the next one.
    public var inbandFEC: Bool = true
    /// Discontinuous transmission: send almost nothing during silence.
    public var dtx: Bool = false
    /// Expected packet loss 0...100 %, which sizes the FEC.
    public var expectedLossPercent: Int = 5
    /// Application mode.
    public var application: Application = .adaptive
    /// With ``Application/adaptive``: the loss (%) a receiver reports that turns in-band FEC on for its stream; it goes
    /// off again below half of it.
    public var adaptiveFECLossPercent: Int = 3
    /// The widest audio band the encoder may use; nil lets libopus choose from the bit rate.
    /// `wideband` keeps libopus 1.3 in SILK mode, the only mode where its DTX treats background noise as silence.
    public var maxBandwidth: Bandwidth? = nil

    /// Audio bandwidths (RFC 6716 §2).
    public enum Bandwidth: String, Hashable, Sendable, Codable {
        /// 4 kHz.
        case narrowband
        /// 6 kHz.
        case mediumband
        /// 8 kHz.
        case wideband
        /// 12 kHz.
        case superwideband
        /// 20 kHz.
        case fullband
    }

    public init(
        channels: Int = 1, bitrate: Int = 32_000, complexity: Int = 5, inbandFEC: Bool = true,
        dtx: Bool = false, expectedLossPercent: Int = 5, application: Application = .adaptive, maxBandwidth: Bandwidth? = nil,
        adaptiveFECLossPercent: Int = 3
    ) {
        self.channels = channels
        self.bitrate = bitrate
        self.complexity = complexity
        self.inbandFEC = inbandFEC
        self.dtx = dtx
        self.expectedLossPercent = expectedLossPercent
        self.application = application
        self.maxBandwidth = maxBandwidth
        self.adaptiveFECLossPercent = adaptiveFECLossPercent
    }

    /// Reports the first setting outside its range, or nil when all are valid.
    public func validationProblem() -> String? {
        if channels != 1 && channels != 2 { return "opus channels must be 1 or 2, not \(channels)" }
        if !(6_000...510_000).contains(bitrate) { return "opus bitrate must be 6000...510000 bit/s, not \(bitrate)" }
        if !(0...10).contains(complexity) { return "opus complexity must be 0...10, not \(complexity)" }
        if !(0...100).contains(expectedLossPercent) { return "opus expected loss must be 0...100 %, not \(expectedLossPercent)" }
        if !(1...100).contains(adaptiveFECLossPercent) {
            return "opus adaptiveFECLossPercent must be 1...100 %, not \(adaptiveFECLossPercent)"
        }
        return nil
    }
}

/// Opus at 48 kHz: the only rate Consort runs (RFC 7587 always signals 48000).
public enum Opus {
    /// Samples per second.
    public static let sampleRate = 48_000
    /// Samples per channel in one 20 ms frame.
    public static let samplesPer20ms = 960
    /// The largest frame libopus can return: 120 ms.
    public static let maxFrameSamples = 5_760
    /// A packet buffer that always fits one encoded 20 ms frame (RFC 6716 §3.4: at most 1275 bytes per frame).
    public static let maxPacketBytes = 1_275
}

extension OpusEncoderSettings {
    enum CodingKeys: String, CodingKey {
        case channels, bitrate, complexity, inbandFEC, dtx, expectedLossPercent, application, maxBandwidth
        case adaptiveFECLossPercent
    }

    /// Decodes from configuration; every key is optional and falls back to the default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = OpusEncoderSettings()
        self.init(
            channels: try c.decodeIfPresent(Int.self, forKey: .channels) ?? d.channels,
            bitrate: try c.decodeIfPresent(Int.self, forKey: .bitrate) ?? d.bitrate,
            complexity: try c.decodeIfPresent(Int.self, forKey: .complexity) ?? d.complexity,
            inbandFEC: try c.decodeIfPresent(Bool.self, forKey: .inbandFEC) ?? d.inbandFEC,
            dtx: try c.decodeIfPresent(Bool.self, forKey: .dtx) ?? d.dtx,
            expectedLossPercent: try c.decodeIfPresent(Int.self, forKey: .expectedLossPercent) ?? d.expectedLossPercent,
            application: try c.decodeIfPresent(Application.self, forKey: .application) ?? d.application,
            maxBandwidth: try c.decodeIfPresent(Bandwidth.self, forKey: .maxBandwidth),
            adaptiveFECLossPercent: try c.decodeIfPresent(Int.self, forKey: .adaptiveFECLossPercent) ?? d.adaptiveFECLossPercent)
    }
}
