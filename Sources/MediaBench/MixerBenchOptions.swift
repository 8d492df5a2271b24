public import AudioMixer
public import OpusCodec
public import SRTP

/// The shape of a `consort bench mixer` run.
public struct MixerBenchOptions: Sendable, Equatable {
    /// SRTP on the media path.
    public enum SRTPMode: String, Sendable, CaseIterable {
        /// AEAD_AES_128_GCM (RFC 7714).
        case gcm
        /// AES_CM_128_HMAC_SHA1_80 (RFC 3711).
        case cm
        /// Plain RTP.
        case off

        /// The libsrtp profile, or nil for plain RTP.
        public var profile: SRTPProfile? {
            switch self {
            case .gcm: .aeadAES128GCM
            case .cm: .aesCM128HMACSHA1_80
            case .off: nil
            }
        }
    }

    /// Participants in each conference (P).
    public var participants = 20
    /// Conferences (M), all on this one core.
    public var conferences = 1
    /// Participants per conference whose synthetic input is speech (T); the others send room noise.
    public var talkers = 3
    /// Put RFC 6464 levels in the input packets, so the mixer can skip decoding quiet participants.
    public var levels = false
    /// Encode the input's silence with DTX, so quiet participants send (almost) nothing.
    public var dtx = false
    /// SRTP on input and output.
    public var srtp = SRTPMode.gcm
    /// The mixer's settings; `speakers` is K.
    public var mixer = MixerConfiguration()
    /// The Opus settings of the mixer's encoders.
    public var opus = OpusEncoderSettings()
    /// Seconds of synthetic input, replayed in a loop.
    public var clipSeconds = 10
    /// Listeners per conference (the last ones) hearing a looping announcement on top of the mix: one more encode each.
    public var announcements = 0
    /// Participants per conference (the first ones) that also send VP8 video; when above 0 everyone offers video and
    /// receives the forwarded stream.
    public var videoSenders = 0

    public init() {}

    /// The first option that cannot work, or nil.
    public func validationProblem() -> String? {
        if participants < 1 || participants > 1_000 { return "--participants must be 1...1000" }
        if conferences < 1 || conferences > 1_000 { return "--conferences must be 1...1000" }
        if talkers < 0 || talkers > participants { return "--talkers must be 0...participants (\(participants))" }
        if announcements < 0 || announcements > participants - talkers {
            return "--announcements must be 0...listeners (\(participants - talkers))"
        }
        if videoSenders < 0 || videoSenders > participants { return "--video-senders must be 0...participants (\(participants))" }
        if let p = opus.validationProblem() { return p }
        return mixer.validationProblem()
    }
}
