/// Everyone in a conference who receives the same codec settings: the listeners among them share one
/// encoded stream, and the group keeps a pool of streams for its speakers, allocated when the group is made,
/// so choosing a new speaker never allocates.
final class FormatGroup {
    let format: AudioFormat
    let shared: EncodedStream
    private var pool: [EncodedStream]
    /// Members of the group (speakers and listeners).
    var members = 0
    /// Listeners this tick (members that are not speakers).
    var listeners = 0

    init(format: AudioFormat, speakers: Int) throws {
        self.format = format
        shared = try EncodedStream(format: format)
        pool = []
        pool.reserveCapacity(speakers)
        for _ in 0..<speakers { pool.append(try EncodedStream(format: format)) }
    }

    /// A stream for a new speaker, continuing the listeners' stream so the speaker's decoder hears no seam.
    func takeSpeakerStream() -> EncodedStream? {
        guard let stream = pool.popLast() else { return nil }
        stream.continueFrom(shared)
        return stream
    }

    /// Returns a speaker's stream to the pool.
    func giveBack(_ stream: EncodedStream) {
        pool.append(stream)
    }
}
