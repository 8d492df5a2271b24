/// Settings of the audio mixer, with the defaults a conferencing server wants.
/// Decoded from the `mixer` section of `Config/consort.yaml`.
public struct MixerConfiguration: Sendable, Equatable, Codable {
    /// How many of the loudest talkers are mixed at once (N). Everyone hears the mix of those N, minus their own voice.
    public var speakers: Int = 3
    /// A participant quieter than this (dBov, e.g. -50) never becomes a speaker.
    public var activityThresholdDBov: Double = -50
    /// A challenger must be this many dB louder than the quietest current speaker to take its place.
    public var switchMarginDB: Double = 6
    /// A speaker keeps its place this long (ms) after it falls silent, so slots do not flap between words.
    public var holdMilliseconds: Int = 400
    /// Use the RFC 6464 level a participant's packets carry instead of decoding them to measure it.
    public var trustAudioLevelExtension: Bool = true
    /// Output samples above this fraction of full scale pass through a soft limiter instead of clipping hard.
    public var limiterThreshold: Double = 0.75
    /// The jitter buffer's settings.
    public var jitterBuffer: JitterBufferConfiguration = JitterBufferConfiguration()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case speakers, activityThresholdDBov, switchMarginDB, holdMilliseconds, trustAudioLevelExtension, limiterThreshold,
            jitterBuffer
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MixerConfiguration()
        speakers = try c.decodeIfPresent(Int.self, forKey: .speakers) ?? d.speakers
        activityThresholdDBov = try c.decodeIfPresent(Double.self, forKey: .activityThresholdDBov) ?? d.activityThresholdDBov
        switchMarginDB = try c.decodeIfPresent(Double.self, forKey: .switchMarginDB) ?? d.switchMarginDB
        holdMilliseconds = try c.decodeIfPresent(Int.self, forKey: .holdMilliseconds) ?? d.holdMilliseconds
        trustAudioLevelExtension =
            try c.decodeIfPresent(Bool.self, forKey: .trustAudioLevelExtension) ?? d.trustAudioLevelExtension
        limiterThreshold = try c.decodeIfPresent(Double.self, forKey: .limiterThreshold) ?? d.limiterThreshold
        jitterBuffer = try c.decodeIfPresent(JitterBufferConfiguration.self, forKey: .jitterBuffer) ?? d.jitterBuffer
    }

    /// The first setting that cannot work, as a sentence, or nil.
    public func validationProblem() -> String? {
        if !(1...16).contains(speakers) { return "mixer.speakers must be 1...16, not \(speakers)" }
        if !(-127...0).contains(activityThresholdDBov) {
            return "mixer.activityThresholdDBov must be -127...0 dBov, not \(activityThresholdDBov)"
        }
        if !(0.1...1.0).contains(limiterThreshold) {
            return "mixer.limiterThreshold must be 0.1...1.0, not \(limiterThreshold)"
        }
        if holdMilliseconds < 0 { return "mixer.holdMilliseconds must not be negative" }
        return jitterBuffer.validationProblem()
    }
}

/// Settings of each participant's jitter buffer.
public struct JitterBufferConfiguration: Sendable, Equatable, Codable {
    /// The smallest playout delay (ms) the buffer adapts down to.
    public var minDelayMilliseconds: Int = 20
    /// The largest playout delay (ms) the buffer adapts up to; later packets are dropped as late.
    public var maxDelayMilliseconds: Int = 200
    /// How long (ms) the buffer must hold more than its target before it drops a frame to shrink.
    public var shrinkAfterMilliseconds: Int = 1000

    public init(minDelayMilliseconds: Int = 20, maxDelayMilliseconds: Int = 200, shrinkAfterMilliseconds: Int = 1000) {
        self.minDelayMilliseconds = minDelayMilliseconds
        self.maxDelayMilliseconds = maxDelayMilliseconds
        self.shrinkAfterMilliseconds = shrinkAfterMilliseconds
    }

    enum CodingKeys: String, CodingKey { case minDelayMilliseconds, maxDelayMilliseconds, shrinkAfterMilliseconds }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = JitterBufferConfiguration()
        minDelayMilliseconds = try c.decodeIfPresent(Int.self, forKey: .minDelayMilliseconds) ?? d.minDelayMilliseconds
        maxDelayMilliseconds = try c.decodeIfPresent(Int.self, forKey: .maxDelayMilliseconds) ?? d.maxDelayMilliseconds
        shrinkAfterMilliseconds =
            try c.decodeIfPresent(Int.self, forKey: .shrinkAfterMilliseconds) ?? d.shrinkAfterMilliseconds
    }

    /// The first setting that cannot work, as a sentence, or nil.
    public func validationProblem() -> String? {
        if minDelayMilliseconds < 0 || minDelayMilliseconds > maxDelayMilliseconds {
            return "mixer.jitterBuffer: minDelayMilliseconds (\(minDelayMilliseconds)) must be 0...maxDelayMilliseconds"
        }
        if maxDelayMilliseconds > 1000 {
            return "mixer.jitterBuffer.maxDelayMilliseconds must be at most 1000, not \(maxDelayMilliseconds)"
        }
        return nil
    }
}
