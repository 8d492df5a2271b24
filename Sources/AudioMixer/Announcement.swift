public import OpusCodec

/// Recorded prompts played to one participant only (a lobby message, "please enter the PIN"): the audio, converted to
/// 48 kHz once when it is loaded, and each participant's playback of it, which the mixer adds to what that participant
/// hears (or plays alone to an isolated participant) and encodes for it alone.

/// A prompt's audio as 48 kHz mono PCM, immutable and shared by every playback of it.
public final class AnnouncementAudio: Sendable {
    /// What the prompt is called (the file it came from), for events and statistics.
    public let name: String
    /// 48 kHz mono samples.
    public let samples: [Int16]

    /// Audio that is already 48 kHz mono.
    public init(name: String, samples48kHz: [Int16]) {
        self.name = name
        self.samples = samples48kHz
    }

    /// Mono audio at `sampleRate` (8, 12, 16, 24 or 48 kHz), brought to 48 kHz by a windowed-sinc interpolator.
    /// Throws ``CodecError/Code/unsupportedSetting`` for another rate.
    public convenience init(name: String, samples: [Int16], sampleRate: Int) throws(CodecError) {
        guard sampleRate >= 8_000, sampleRate <= 48_000, 48_000 % sampleRate == 0 else {
            throw CodecError(.unsupportedSetting, "\(sampleRate) Hz audio: prompts must be 8, 12, 16, 24 or 48 kHz")
        }
        self.init(name: name, samples48kHz: PromptUpsampler.upsample(samples, factor: 48_000 / sampleRate))
    }

    /// The length in seconds.
    public var seconds: Double { Double(samples.count) / 48_000 }
}

/// One participant hearing one ``AnnouncementAudio``: where it is, and whether it starts again at the end. Lives on the
/// conference's event loop like the participant it belongs to.
public final class Announcement {
    /// What plays.
    public let audio: AnnouncementAudio
    /// Start again at the end, until stopped or replaced.
    public let loops: Bool
    /// The next sample to play.
    public private(set) var position = 0
    /// Set by the tick that played the last samples of a non-looping announcement (or at once for empty audio).
    public private(set) var isFinished = false

    /// A playback from the start.
    public init(audio: AnnouncementAudio, loops: Bool = false) {
        self.audio = audio
        self.loops = loops
        isFinished = audio.samples.isEmpty
    }

    /// Writes the next `out.count` samples of the prompt added to `heard` (nil: alone) into `out`, through the limiter,
    /// and advances. Past the end a looping prompt starts again; another one pads with `heard` and finishes. Never
    /// allocates. `heard` may be `out` itself.
    @inline(__always)
    func mix(over heard: UnsafeBufferPointer<Int16>?, limiter: SoftLimiter, into out: UnsafeMutableBufferPointer<Int16>) {
        audio.samples.withUnsafeBufferPointer { samples in
            let total = samples.count
            var i = 0
            while i < out.count {
                if position >= total {
                    if loops && total > 0 {
                        position = 0
                    } else {
                        isFinished = true
                    }
                }
                var value: Int32 = 0
                if position < total {
                    value = Int32(samples[position])
                    position += 1
                }
                if let heard, i < heard.count { value &+= Int32(heard[i]) }
                out[i] = limiter.limit(value)
                i += 1
            }
            if !loops && position >= total { isFinished = true }
        }
    }
}
