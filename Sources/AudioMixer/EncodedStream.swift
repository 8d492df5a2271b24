import OpusCodec

/// One encoder and the packet it made this tick. The listeners of a format share one; each speaker owns one
/// while it speaks (its mix lacks its own voice). The packet buffer is allocated once.
final class EncodedStream {
    let format: AudioFormat
    private let opus: OpusEncoder?
    private var downsampler = Downsampler48to8()
    private let narrowband: UnsafeMutableBufferPointer<Int16>
    private let packet: UnsafeMutableRawBufferPointer
    private(set) var length = 0
    /// The tick this stream last encoded, so a shared stream encodes at most once per tick.
    var encodedTick: UInt64 = .max

    init(format: AudioFormat) throws {
        self.format = format
        switch format {
        case .opus(let settings): opus = try OpusEncoder(settings)
        case .pcmu, .pcma: opus = nil
        }
        packet = UnsafeMutableRawBufferPointer.allocate(byteCount: 1_500, alignment: 16)
        narrowband = .allocate(capacity: 160)
        narrowband.initialize(repeating: 0)
    }

    deinit {
        packet.deallocate()
        narrowband.deallocate()
    }

    /// The packet of the last encode.
    var payload: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: packet[0..<length]) }

    /// Continues where `other` is, so a receiver moving from `other` to this stream hears no seam.
    func continueFrom(_ other: EncodedStream) {
        if let opus, let source = other.opus { opus.copyState(from: source) }
    }

    /// Encodes one 20 ms, 48 kHz mono frame. Returns false on an encoder failure (counted by the caller).
    @inline(__always)
    func encode(_ pcm: UnsafeBufferPointer<Int16>, tick: UInt64) -> Bool {
        encodedTick = tick
        switch format {
        case .opus:
            guard let opus, let n = opus.encode(pcm, frameSamples: Opus.samplesPer20ms, into: packet) else {
                length = 0
                return false
            }
            length = n
            return true
        case .pcmu, .pcma:
            let n = downsampler.process(pcm, into: narrowband)
            let input = UnsafeBufferPointer(rebasing: narrowband[0..<n])
            length = format == .pcma ? G711.encodeALaw(input, into: packet) : G711.encodeMuLaw(input, into: packet)
            return length > 0
        }
    }

    /// Whether the last packet is a DTX frame that need not be sent (libopus: 2 bytes or fewer).
    var isDiscontinuous: Bool {
        if case .opus(let s) = format { return s.dtx && length <= 2 }
        return false
    }
}
