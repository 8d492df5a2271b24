internal import COpus
internal import CConsortShims
#if canImport(Glibc)
internal import Glibc
#endif

/// The owner of one libopus encoder (48 kHz). Not thread-safe: one encoder belongs to one event loop.
///
/// The state lives in one block Consort allocates itself (`opus_encoder_get_size` + `opus_encoder_init`),
/// which holds no pointers, so ``copyState(from:)`` can clone an encoder with `memcpy`: the mixer uses
/// that to hand a listener's shared stream over to a private one without a discontinuity.
public final class OpusEncoder: @unchecked Sendable {
    /// The settings this encoder was made with.
    public let settings: OpusEncoderSettings
    private let state: OpaquePointer
    private let stateSize: Int

    /// Creates an encoder; throws a ``CodecError`` naming the bad setting.
    public init(_ settings: OpusEncoderSettings = OpusEncoderSettings()) throws {
        if let problem = settings.validationProblem() {
            throw CodecError(.unsupportedSetting, problem)
        }
        let size = Int(opus_encoder_get_size(Int32(settings.channels)))
        guard size > 0, let raw = malloc(size) else {
            throw CodecError(.allocationFailed, "cannot allocate an Opus encoder of \(size) bytes")
        }
        let encoder = OpaquePointer(raw)
        let application: Int32 =
            switch settings.application {
            case .voip, .adaptive: OPUS_APPLICATION_VOIP
            case .audio: OPUS_APPLICATION_AUDIO
            case .restrictedLowDelay: OPUS_APPLICATION_RESTRICTED_LOWDELAY
            }
        var status = opus_encoder_init(encoder, Int32(Opus.sampleRate), Int32(settings.channels), application)
        if status == OPUS_OK { status = consort_opus_encoder_set_bitrate(encoder, Int32(settings.bitrate)) }
        if status == OPUS_OK { status = consort_opus_encoder_set_complexity(encoder, Int32(settings.complexity)) }
        if status == OPUS_OK { status = consort_opus_encoder_set_inband_fec(encoder, settings.inbandFEC ? 1 : 0) }
        if status == OPUS_OK { status = consort_opus_encoder_set_dtx(encoder, settings.dtx ? 1 : 0) }
        if status == OPUS_OK {
            status = consort_opus_encoder_set_packet_loss_perc(encoder, Int32(settings.expectedLossPercent))
        }
        if status == OPUS_OK, let band = settings.maxBandwidth {
            let value: Int32 =
                switch band {
                case .narrowband: OPUS_BANDWIDTH_NARROWBAND
                case .mediumband: OPUS_BANDWIDTH_MEDIUMBAND
                case .wideband: OPUS_BANDWIDTH_WIDEBAND
                case .superwideband: OPUS_BANDWIDTH_SUPERWIDEBAND
                case .fullband: OPUS_BANDWIDTH_FULLBAND
                }
            status = consort_opus_encoder_set_max_bandwidth(encoder, value)
        }
        if status == OPUS_OK && (settings.application == .voip || (settings.application == .adaptive && settings.dtx)) {
            // libopus 1.3 applies DTX in SILK only: with DTX on, adaptive is voip.
            status = consort_opus_encoder_set_signal(encoder, OPUS_SIGNAL_VOICE)
        }
        if status == OPUS_OK && settings.application == .adaptive && !settings.dtx {
            // Unprotected to start with: the music hint and no expected loss keep libopus 1.3 in CELT at 32 kbit/s.
            status = consort_opus_encoder_set_signal(encoder, OPUS_SIGNAL_MUSIC)
            if status == OPUS_OK { status = consort_opus_encoder_set_packet_loss_perc(encoder, 0) }
        }
        guard status == OPUS_OK else {
            free(raw)
            throw CodecError.opus(status, during: "configuring the Opus encoder")
        }
        self.settings = settings
        self.state = encoder
        self.stateSize = size
    }

    deinit { free(UnsafeMutableRawPointer(state)) }

    /// Encodes one frame of interleaved 16-bit PCM (`frameSamples` per channel: 120, 240, 480, 960, 1920 or 2880)
    /// into `packet`. Returns the packet length (1 or 2 bytes means the encoder chose DTX/silence), or nil on failure.
    /// Does not allocate.
    @inline(__always)
    public func encode(_ pcm: UnsafeBufferPointer<Int16>, frameSamples: Int, into packet: UnsafeMutableRawBufferPointer)
        -> Int?
    {
        guard let input = pcm.baseAddress, let output = packet.baseAddress,
            pcm.count >= frameSamples &* settings.channels
        else { return nil }
        let length = opus_encode(
            state, input, Int32(truncatingIfNeeded: frameSamples),
            output.assumingMemoryBound(to: UInt8.self), Int32(truncatingIfNeeded: min(packet.count, 4000)))
        return length < 0 ? nil : Int(length)
    }

    /// Makes this encoder continue exactly where `other` is: same history, same prediction state, same protection.
    /// A receiver decoding `other`'s stream can go on decoding this one's without a glitch. Both must have the same channels.
    public func copyState(from other: OpusEncoder) {
        precondition(other.stateSize == stateSize, "copyState needs encoders with the same channel count")
        memcpy(UnsafeMutableRawPointer(state), UnsafeRawPointer(other.state), stateSize)
        protectedLossPercent = other.protectedLossPercent
    }

    /// With ``OpusEncoderSettings/Application/adaptive``: the loss (%) the encoder now protects against with SILK or
    /// hybrid and in-band FEC, or nil while it codes CELT, unprotected.
    public private(set) var protectedLossPercent: Int?

    /// Whether ``protect(againstLossPercent:)`` can change anything: the adaptive application with in-band FEC on and
    /// DTX off (with DTX it codes SILK/hybrid throughout, as voip; without FEC, CELT throughout).
    public var adaptsToLoss: Bool { settings.application == .adaptive && settings.inbandFEC && !settings.dtx }

    /// Adapts the coding mode to the loss (%) the stream's receivers report: from ``OpusEncoderSettings/adaptiveFECLossPercent``
    /// up, the speech hint and that expected loss make libopus code SILK/hybrid with in-band FEC sized for it (never
    /// less than ``OpusEncoderSettings/expectedLossPercent``); below half of it, back to CELT without FEC. libopus
    /// switches mode between two frames without a seam. Returns whether the setting changed; does nothing (false)
    /// unless ``adaptsToLoss``. Never allocates.
    @discardableResult
    public func protect(againstLossPercent loss: Int) -> Bool {
        guard adaptsToLoss else { return false }
        let threshold = settings.adaptiveFECLossPercent
        let wanted: Int?
        if loss >= threshold {
            wanted = min(100, max(loss, settings.expectedLossPercent))
        } else if protectedLossPercent != nil && loss * 2 >= threshold {
            wanted = protectedLossPercent  // between half the threshold and it: stay protected as before
        } else {
            wanted = nil
        }
        guard wanted != protectedLossPercent else { return false }
        let signal = wanted == nil ? OPUS_SIGNAL_MUSIC : OPUS_SIGNAL_VOICE
        guard consort_opus_encoder_set_signal(state, signal) == OPUS_OK,
            consort_opus_encoder_set_packet_loss_perc(state, Int32(wanted ?? 0)) == OPUS_OK
        else { return false }
        protectedLossPercent = wanted
        return true
    }

    /// Forgets all history, as if new.
    public func reset() { _ = consort_opus_encoder_reset(state) }

    /// Whether the last encoded frame was sent as DTX.
    public var isInDTX: Bool {
        var value: Int32 = 0
        return consort_opus_encoder_get_in_dtx(state, &value) == OPUS_OK && value != 0
    }

    /// Changes the bit rate (for congestion control); returns false if libopus refused it.
    @discardableResult
    public func setBitrate(_ bitrate: Int) -> Bool {
        consort_opus_encoder_set_bitrate(state, Int32(clamping: bitrate)) == OPUS_OK
    }

    /// Sets the expected loss 0...100 % that sizes in-band FEC.
    @discardableResult
    public func setExpectedLoss(percent: Int) -> Bool {
        consort_opus_encoder_set_packet_loss_perc(state, Int32(clamping: max(0, min(100, percent)))) == OPUS_OK
    }
}
