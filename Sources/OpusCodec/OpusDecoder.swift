internal import COpus
internal import CConsortShims

/// The owner of one libopus decoder (48 kHz). Not thread-safe: one decoder belongs to one event loop.
public final class OpusDecoder: @unchecked Sendable {
    /// Output channels, 1 or 2.
    public let channels: Int
    private let state: OpaquePointer

    /// Creates a decoder producing `channels` interleaved channels at 48 kHz.
    public init(channels: Int = 1) throws {
        guard channels == 1 || channels == 2 else {
            throw CodecError(.unsupportedSetting, "opus decoder channels must be 1 or 2, not \(channels)")
        }
        var status: Int32 = OPUS_OK
        guard let decoder = opus_decoder_create(Int32(Opus.sampleRate), Int32(channels), &status), status == OPUS_OK
        else {
            throw CodecError.opus(status, during: "creating an Opus decoder")
        }
        self.channels = channels
        self.state = decoder
    }

    deinit { opus_decoder_destroy(state) }

    /// Decodes one packet into `pcm` (interleaved). Returns samples per channel, or a ``CodecError`` for a corrupt packet.
    /// Does not allocate.
    @inline(__always)
    public func decode(_ packet: UnsafeRawBufferPointer, into pcm: UnsafeMutableBufferPointer<Int16>) -> Result<
        Int, CodecError
    > {
        decode(packet, into: pcm, frameSamples: pcm.count / channels, fec: false)
    }

    /// Rebuilds a lost frame of `frameSamples` from the in-band FEC of the packet that followed it.
    /// When that packet carries no FEC, libopus conceals instead, so this always yields a frame for a valid packet.
    public func decodeFEC(from nextPacket: UnsafeRawBufferPointer, frameSamples: Int, into pcm: UnsafeMutableBufferPointer<Int16>)
        -> Result<Int, CodecError>
    {
        decode(nextPacket, into: pcm, frameSamples: frameSamples, fec: true)
    }

    /// Packet-loss concealment: synthesises `frameSamples` per channel from the decoder's history.
    public func conceal(frameSamples: Int, into pcm: UnsafeMutableBufferPointer<Int16>) -> Result<Int, CodecError> {
        guard let output = pcm.baseAddress, pcm.count >= frameSamples &* channels else {
            return .failure(CodecError(.bufferTooSmall, "PCM buffer of \(pcm.count) samples is too small"))
        }
        let samples = opus_decode(state, nil, 0, output, Int32(truncatingIfNeeded: frameSamples), 0)
        return samples < 0 ? .failure(.opus(samples, during: "opus concealment")) : .success(Int(samples))
    }

    /// Forgets all history.
    public func reset() { _ = consort_opus_decoder_reset(state) }

    private func decode(_ packet: UnsafeRawBufferPointer, into pcm: UnsafeMutableBufferPointer<Int16>, frameSamples: Int, fec: Bool)
        -> Result<Int, CodecError>
    {
        guard let input = packet.baseAddress, !packet.isEmpty else {
            return .failure(CodecError(.invalidPacket, "empty Opus packet"))
        }
        guard let output = pcm.baseAddress, frameSamples > 0, pcm.count >= frameSamples &* channels else {
            return .failure(CodecError(.bufferTooSmall, "PCM buffer of \(pcm.count) samples is too small"))
        }
        let samples = opus_decode(
            state, input.assumingMemoryBound(to: UInt8.self), Int32(truncatingIfNeeded: packet.count),
            output, Int32(truncatingIfNeeded: frameSamples), fec ? 1 : 0)
        return samples < 0 ? .failure(.opus(samples, during: "opus_decode")) : .success(Int(samples))
    }

    /// Samples per channel in `packet` at 48 kHz, or nil when its table of contents is invalid.
    public static func sampleCount(of packet: UnsafeRawBufferPointer) -> Int? {
        guard let base = packet.baseAddress, !packet.isEmpty else { return nil }
        let n = opus_packet_get_nb_samples(
            base.assumingMemoryBound(to: UInt8.self), Int32(truncatingIfNeeded: packet.count), Int32(Opus.sampleRate))
        return n < 0 ? nil : Int(n)
    }
}
