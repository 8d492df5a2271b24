/// Everyone in a conference who receives the same codec settings at the same packet time: the listeners among them
/// share one encoded stream, and the group keeps a pool of streams for its speakers and for former speakers still
/// handing over to the shared stream, allocated when the group is made, so choosing a speaker never allocates.
final class FormatGroup {
    let format: AudioFormat
    /// Packets per 20 ms tick: 1 (20 ms) or 2 (10 ms).
    let packetsPerTick: Int
    let shared: EncodedStream
    private var pool: [EncodedStream]
    /// Members of the group (speakers and listeners).
    var members = 0
    /// Listeners of the shared stream this tick (members that are neither speakers nor handing over).
    var listeners = 0

    /// A group whose pool holds a stream for each of `speakers` and as many for former speakers handing over.
    init(format: AudioFormat, packetsPerTick: Int, speakers: Int) throws {
        self.format = format
        self.packetsPerTick = packetsPerTick
        shared = try EncodedStream(format: format, packetsPerTick: packetsPerTick)
        pool = []
        pool.reserveCapacity(2 * speakers)
        for _ in 0..<(2 * speakers) { pool.append(try EncodedStream(format: format, packetsPerTick: packetsPerTick)) }
    }

    /// Whether the pool has a stream left.
    var hasFreeStream: Bool { !pool.isEmpty }

    /// A stream for a new speaker, continuing the listeners' stream so the speaker's decoder hears no seam.
    func takeSpeakerStream() -> EncodedStream? {
        guard let stream = pool.popLast() else { return nil }
        stream.continueFrom(shared)
        return stream
    }

    /// Returns a stream to the pool.
    func giveBack(_ stream: EncodedStream) {
        pool.append(stream)
    }
}
