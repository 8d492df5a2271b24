import AudioMixer
public import OpusCodec

/// A stretch of synthetic speech (or room noise) encoded once with Opus, frame by frame, with each frame's
/// RFC 6464 level, so benchmark participants can replay it without paying for the encode.
public final class EncodedClip {
    /// Frames in the clip (20 ms each).
    public let frameCount: Int
    /// The largest payload, which sizes packet buffers.
    public let maxPayload: Int
    private let bytes: [UInt8]
    private let offsets: [Int]
    /// -dBov of each frame.
    public let levels: [UInt8]

    /// Encodes `frames` frames of `source` at 48 kHz mono.
    public init(source: SyntheticSpeech, frames: Int, settings: OpusEncoderSettings) throws {
        var source = source
        let encoder = try OpusEncoder(settings)
        var pcm = [Int16](repeating: 0, count: Opus.samplesPer20ms)
        var packet = [UInt8](repeating: 0, count: 1_500)
        var bytes: [UInt8] = []
        var offsets = [0]
        var levels: [UInt8] = []
        for _ in 0..<frames {
            pcm.withUnsafeMutableBufferPointer { source.fill($0) }
            let n = pcm.withUnsafeBufferPointer { frame in
                packet.withUnsafeMutableBytes { encoder.encode(frame, frameSamples: Opus.samplesPer20ms, into: $0) ?? 0 }
            }
            levels.append(pcm.withUnsafeBufferPointer { AudioLevelMeter.level(of: $0) })
            bytes += packet[0..<n]
            offsets.append(bytes.count)
        }
        self.frameCount = frames
        self.bytes = bytes
        self.offsets = offsets
        self.levels = levels
        self.maxPayload = zip(offsets.dropFirst(), offsets).map { $0 - $1 }.max() ?? 0
    }

    /// Calls `body` with frame `index` (wrapping around the clip).
    @inline(__always)
    public func withFrame<R>(_ index: Int, _ body: (UnsafeRawBufferPointer, UInt8) -> R) -> R {
        let i = index % frameCount
        return bytes.withUnsafeBytes { all in
            body(UnsafeRawBufferPointer(rebasing: all[offsets[i]..<offsets[i + 1]]), levels[i])
        }
    }
}
