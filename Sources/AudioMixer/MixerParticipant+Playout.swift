#if canImport(Glibc)
import Glibc
#endif
import OpusCodec

/// How a participant's received media becomes one 20 ms frame per tick, whatever its packet time.
enum Playout {
    /// Samples before this tick's frame in the carry: the frame played last tick.
    static let history = Opus.samplesPer20ms
    /// The history, this tick's frame, and the longest Opus packet (120 ms) decoded on top of less than a frame.
    static let carryCapacity = 2 * Opus.samplesPer20ms + Opus.maxFrameSamples
    /// Pieces one tick can take: enough for 2.5 ms packets.
    static let maxPiecesPerTick = 8

    /// What the samples at the end of the carry came from.
    enum Source { case silence, packet, concealment }

    /// What a tick holds, before anything is decoded.
    enum Due {
        /// Nothing, or a pause the sender announced.
        case silence
        /// Media from packets; `level` is the loudest RFC 6464 level they carried, nil unless all carried one.
        case sound(level: UInt8?)
        /// Only loss or underrun.
        case gap
    }
}

extension MixerParticipant {
    /// This tick's 20 ms as 48 kHz PCM (after ``decodeDueFrame(profile:profiling:)``).
    var frame20ms: UnsafeBufferPointer<Int16> {
        UnsafeBufferPointer(rebasing: carry[Playout.history..<(Playout.history + Opus.samplesPer20ms)])
    }

    /// Starts a tick: last tick's frame becomes the history, and the jitter buffer hands out what covers the 20 ms the
    /// carry does not (nothing while a long packet lasts, two 10 ms packets, the rest of a 30 ms one and half the next…).
    /// Nothing is decoded yet. Never allocates.
    func takeDueMedia() {
        if pieceCount > 0 {
            // Last tick's pieces were not needed (a quiet participant that carries levels): they play as silence.
            var unused = MixerProfile()
            _ = materialize(decoding: false, profile: &unused)
        }
        let frame = Opus.samplesPer20ms
        if carryCount >= frame, let base = carry.baseAddress {
            memmove(base, base + Playout.history, carryCount * MemoryLayout<Int16>.stride)
            carryCount -= frame
        } else {
            carryCount = 0
        }
        carriedAudible = carryCount > 0 && carryAudible
        decodedThisTick = false
        hasAudio = false
        jitterBuffer.beginTick()
        var pending = 0
        while carryCount + pending < frame && pieceCount < pieces.count {
            let needed = (frame - carryCount - pending + samplesPerClockUnit - 1) / samplesPerClockUnit
            let piece = jitterBuffer.pop(maxDuration: needed)
            pieces[pieceCount] = piece
            pieceCount += 1
            pending += piece.duration * samplesPerClockUnit
        }
        due = classifyDue()
    }

    /// Decodes (or conceals) what this tick needs into ``frame20ms``, once. Returns whether there is sound.
    @inline(__always)
    func decodeDueFrame(profile: inout MixerProfile, profiling: Bool) -> Bool {
        if decodedThisTick { return hasAudio }
        decodedThisTick = true
        let start = profiling ? monotonicNanoseconds() : 0
        let audible = materialize(decoding: true, profile: &profile)
        if profiling { profile.codecNanoseconds &+= monotonicNanoseconds() &- start }
        hasAudio = carriedAudible || audible
        return hasAudio
    }

    private func classifyDue() -> Playout.Due {
        var sound = false
        var gap = false
        var loudest: UInt8?
        var allLevels = true
        if carryCount > 0 {
            switch carrySource {
            case .packet:
                sound = true
                if let level = carryLevel { loudest = level } else { allLevels = false }
            case .concealment: gap = true
            case .silence: break
            }
        }
        for i in 0..<pieceCount {
            switch pieces[i] {
            case .packet(let packet) where packet.payload.count > 2:
                sound = true
                if let level = packet.audioLevel { loudest = min(loudest ?? AudioLevelMeter.silence, level) } else { allLevels = false }
            case .lost, .underrun: gap = true
            case .packet, .silence: break
            }
        }
        if sound { return .sound(level: allLevels ? loudest : nil) }
        return gap ? .gap : .silence
    }

    /// Appends this tick's pieces to the carry, decoded or as silence, and makes sure a whole frame is there.
    /// Returns whether any of them decoded to sound.
    private func materialize(decoding: Bool, profile: inout MixerProfile) -> Bool {
        var audible = false
        for i in 0..<pieceCount {
            if append(pieces[i], decoding: decoding, profile: &profile) { audible = true }
        }
        pieceCount = 0
        let frame = Opus.samplesPer20ms
        if carryCount < frame {
            let start = Playout.history + carryCount
            UnsafeMutableBufferPointer(rebasing: carry[start..<(Playout.history + frame)]).update(repeating: 0)
            carryCount = frame
        }
        return audible
    }

    private func append(_ piece: JitterBuffer.Frame, decoding: Bool, profile: inout MixerProfile) -> Bool {
        let offset = Playout.history + carryCount
        let count = min(piece.duration * samplesPerClockUnit, carry.count - offset)
        guard count > 0 else { return false }
        let target = UnsafeMutableBufferPointer(rebasing: carry[offset..<(offset + count)])
        var audible = false
        switch piece {
        case .silence:
            target.update(repeating: 0)
            carrySource = .silence
        case .packet(let packet):
            carryLevel = packet.audioLevel
            if packet.payload.count <= 2 {
                target.update(repeating: 0)  // DTX (RFC 7587 §3.1.3): silence without decoding
                carrySource = .silence
            } else {
                carrySource = .packet
                if decoding {
                    audible = decode(packet, into: target, profile: &profile)
                } else {
                    target.update(repeating: 0)
                }
            }
        case .lost(let duration, let next):
            carrySource = .concealment
            if decoding {
                audible = conceal(duration, next: next, at: offset, count: count, profile: &profile)
            } else {
                target.update(repeating: 0)
            }
        case .underrun(let duration):
            carrySource = .concealment
            if decoding {
                audible = conceal(duration, next: nil, at: offset, count: count, profile: &profile)
            } else {
                target.update(repeating: 0)
            }
        }
        carryAudible = audible
        carryCount += count
        return audible
    }

    /// Decodes a whole packet: Opus in one call (up to 120 ms), G.711 expanded and brought to 48 kHz.
    private func decode(_ packet: JitterBuffer.Packet, into target: UnsafeMutableBufferPointer<Int16>, profile: inout MixerProfile)
        -> Bool
    {
        profile.decodes &+= 1
        var produced = 0
        if let decoder {
            switch decoder.decode(packet.payload, into: target) {
            case .success(let samples): produced = min(max(0, samples), target.count)
            case .failure: decodeErrors &+= 1
            }
        } else {
            let bytes = min(packet.payload.count, narrowband.count, target.count / samplesPerClockUnit)
            let input = UnsafeRawBufferPointer(rebasing: packet.payload[0..<bytes])
            let decoded =
                format == .pcma ? G711.decodeALaw(input, into: narrowband) : G711.decodeMuLaw(input, into: narrowband)
            produced = upsampler.process(UnsafeBufferPointer(rebasing: narrowband[0..<decoded]), into: target)
        }
        if produced < target.count { UnsafeMutableBufferPointer(rebasing: target[produced...]).update(repeating: 0) }
        return produced > 0
    }

    /// Conceals `duration` clock units at `offset`: Opus PLC, or FEC from `next` for the end of the gap; G.711 repeats
    /// the previous 20 ms at half level (in the spirit of G.711 Appendix I), so a long gap fades out.
    private func conceal(_ duration: Int, next: JitterBuffer.Packet?, at offset: Int, count: Int, profile: inout MixerProfile)
        -> Bool
    {
        let target = UnsafeMutableBufferPointer(rebasing: carry[offset..<(offset + count)])
        guard let decoder else {
            jitterBuffer.noteConcealment(fromFEC: false, duration: duration)
            profile.decodes &+= 1
            var any = false
            for i in offset..<(offset + count) {
                let sample = carry[i - Playout.history] / 2
                carry[i] = sample
                if sample != 0 { any = true }
            }
            return any
        }
        // libopus conceals in whole 2.5 ms steps.
        let step = Opus.sampleRate / 400
        let length = count - count % step
        var produced = 0
        if length > 0 {
            let part = UnsafeMutableBufferPointer(rebasing: target[0..<length])
            let result: Result<Int, CodecError>
            if let next, next.payload.count > 2 {
                result = decoder.decodeFEC(from: next.payload, frameSamples: length, into: part)
                jitterBuffer.noteConcealment(fromFEC: true, duration: duration)
            } else {
                result = decoder.conceal(frameSamples: length, into: part)
                jitterBuffer.noteConcealment(fromFEC: false, duration: duration)
            }
            profile.decodes &+= 1
            switch result {
            case .success(let samples): produced = min(max(0, samples), length)
            case .failure: decodeErrors &+= 1
            }
        }
        if produced < count { UnsafeMutableBufferPointer(rebasing: target[produced...]).update(repeating: 0) }
        return produced > 0
    }
}
