import OpusCodec

/// One encoder and the packets it made this tick: one 20 ms packet, or two 10 ms packets for a peer whose maxptime is
/// below 20. The listeners of a format share one; each speaker owns one while it speaks (its mix lacks its own voice),
/// and keeps it for a while after (see ``ConferenceMixer``). The packet buffers are allocated once.
final class EncodedStream {
    let format: AudioFormat
    /// Packets per 20 ms tick: 1 or 2.
    let packetsPerTick: Int
    private let opus: OpusEncoder?
    private var downsampler = Downsampler48to8()
    private let narrowband: UnsafeMutableBufferPointer<Int16>
    private static let packetBytes = 1_500
    private let packets: UnsafeMutableRawBufferPointer
    private var lengths = (0, 0)
    /// The tick this stream last encoded, so a shared stream encodes at most once per tick.
    var encodedTick: UInt64 = .max

    init(format: AudioFormat, packetsPerTick: Int = 1) throws {
        self.format = format
        self.packetsPerTick = min(2, max(1, packetsPerTick))
        switch format {
        case .opus(let settings): opus = try OpusEncoder(settings)
        case .pcmu, .pcma: opus = nil
        }
        packets = UnsafeMutableRawBufferPointer.allocate(byteCount: 2 * Self.packetBytes, alignment: 16)
        narrowband = .allocate(capacity: 160)
        narrowband.initialize(repeating: 0)
    }

    deinit {
        packets.deallocate()
        narrowband.deallocate()
    }

    /// The length of packet `index` (0 or 1) of the last encode.
    func length(_ index: Int) -> Int { index == 0 ? lengths.0 : lengths.1 }

    /// The length of the first (or only) packet of the last encode.
    var length: Int { lengths.0 }

    /// Packet `index` (0 or 1) of the last encode.
    func payload(_ index: Int) -> UnsafeRawBufferPointer {
        let start = index == 0 ? 0 : Self.packetBytes
        return UnsafeRawBufferPointer(rebasing: packets[start..<(start + length(index))])
    }

    /// The first (or only) packet of the last encode.
    var payload: UnsafeRawBufferPointer { payload(0) }

    /// Continues where `other` is, so a receiver moving from `other` to this stream hears no seam.
    func continueFrom(_ other: EncodedStream) {
        if let opus, let source = other.opus { opus.copyState(from: source) }
    }

    /// The loss (%) an adaptive Opus stream protects against with in-band FEC, nil while it is unprotected (CELT).
    var protectedLossPercent: Int? { opus?.protectedLossPercent }

    /// Adapts an adaptive Opus stream to the worst loss its receivers report (``OpusEncoder/protect(againstLossPercent:)``);
    /// returns whether its protection changed. Other formats ignore it.
    @discardableResult
    func protect(againstLossPercent loss: Int) -> Bool {
        opus?.protect(againstLossPercent: loss) ?? false
    }

    /// Encodes one 20 ms, 48 kHz mono frame into ``packetsPerTick`` packets. Returns false on an encoder failure
    /// (counted by the caller).
    @inline(__always)
    func encode(_ pcm: UnsafeBufferPointer<Int16>, tick: UInt64) -> Bool {
        encodedTick = tick
        var ok = true
        switch format {
        case .opus:
            let samples = Opus.samplesPer20ms / packetsPerTick
            for k in 0..<packetsPerTick {
                let input = UnsafeBufferPointer(rebasing: pcm[(k * samples)..<((k + 1) * samples)])
                let n = opus.flatMap { $0.encode(input, frameSamples: samples, into: packetBuffer(k)) }
                setLength(k, n ?? 0)
                if n == nil { ok = false }
            }
        case .pcmu, .pcma:
            let n = downsampler.process(pcm, into: narrowband)
            let samples = n / packetsPerTick
            for k in 0..<packetsPerTick {
                let input = UnsafeBufferPointer(rebasing: narrowband[(k * samples)..<((k + 1) * samples)])
                let written =
                    format == .pcma
                    ? G711.encodeALaw(input, into: packetBuffer(k)) : G711.encodeMuLaw(input, into: packetBuffer(k))
                setLength(k, written)
                if written == 0 { ok = false }
            }
        }
        return ok
    }

    /// Whether packet `index` of the last encode is a DTX frame that need not be sent (libopus: 2 bytes or fewer).
    func isDiscontinuous(_ index: Int) -> Bool {
        if case .opus(let s) = format { return s.dtx && length(index) <= 2 }
        return false
    }

    /// Whether the first (or only) packet of the last encode is a DTX frame.
    var isDiscontinuous: Bool { isDiscontinuous(0) }

    private func packetBuffer(_ index: Int) -> UnsafeMutableRawBufferPointer {
        let start = index * Self.packetBytes
        return UnsafeMutableRawBufferPointer(rebasing: packets[start..<(start + Self.packetBytes)])
    }

    private func setLength(_ index: Int, _ value: Int) {
        if index == 0 { lengths.0 = value } else { lengths.1 = value }
    }
}
