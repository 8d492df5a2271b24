/// The figures of one `consort bench mixer` run. With `--json` they are printed as one object with exactly these keys.
public struct MixerBenchResult: Sendable, Codable, Equatable {
    public var participants: Int
    public var speakers: Int
    public var talkers: Int
    public var conferences: Int
    public var levels: Bool
    public var dtx: Bool
    public var complexity: Int
    public var bitrate: Int
    /// The mixer's Opus application (``OpusEncoderSettings/Application``): adaptive codes CELT in a loss-free run.
    public var application: String
    public var srtp: String
    /// Ticks run (each tick runs every conference once).
    public var ticks: Int
    /// Nanoseconds for one tick of all conferences.
    public var nsPerTick: Double
    /// `nsPerTick / (participants × conferences)`.
    public var nsPerParticipantTick: Double
    /// Share of the tick spent inside libopus (0...1).
    public var libraryShare: Double
    /// `participants × conferences × 20 ms / nsPerTick`: how many participants one core mixes in real time.
    public var realtimeParticipantsPerCore: Double

    /// Ticks per second of mixer work.
    public var ticksPerSecond: Double { nsPerTick > 0 ? 1e9 / nsPerTick : 0 }

    /// A human-readable summary.
    public var summary: String {
        func f(_ x: Double, _ digits: Int = 0) -> String {
            let scale = Double([1, 10, 100, 1_000][min(digits, 3)])
            let v = (x * scale).rounded() / scale
            return digits == 0 ? String(Int(v)) : String(v)
        }
        return """
            consort bench mixer: \(conferences) conference(s) × \(participants) participants, \(speakers) speakers, \
            \(talkers) talkers, levels \(levels ? "on" : "off"), input DTX \(dtx ? "on" : "off"), \
            Opus \(application) c\(complexity) \(bitrate / 1000) kbit/s, SRTP \(srtp)
              ticks                          \(ticks)
              ticks/s                        \(f(ticksPerSecond, 1))
              ns per tick                    \(f(nsPerTick))
              ns per participant per tick    \(f(nsPerParticipantTick))
              share inside libopus          \(f(libraryShare * 100, 1)) %
              realtime participants per core \(f(realtimeParticipantsPerCore))
            """
    }
}
