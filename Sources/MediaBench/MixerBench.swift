#if canImport(Glibc)
import Glibc
#endif
public import AudioMixer
import OpusCodec
import RTPWire
import SRTP

/// The mixer's whole per-tick path, on one core, as fast as it goes: for every participant SRTP unprotect, RTP parse,
/// jitter buffer, decode, level; per conference speaker choice, mix-minus, N+1 encodes; for every participant RTP write
/// and SRTP protect. The input is synthetic speech encoded once up front; a simulated client side builds and protects
/// the packets for a window of ticks outside the measured time, the way a network would deliver them.
///
/// Nothing in ``serverTick()`` or ``fillWindow()`` allocates in steady state (the benchmark suite gates on that).
public final class MixerBench {
    /// The options this bench was built with.
    public let options: MixerBenchOptions
    /// Packets the server sent (after protect).
    public private(set) var sentPackets: UInt64 = 0
    /// Input packets the server dropped (failed unprotect or parse).
    public private(set) var droppedPackets: UInt64 = 0
    /// Nanoseconds inside libsrtp (server side), when profiling.
    public private(set) var srtpNanoseconds: UInt64 = 0
    /// Turn on to measure the time inside libopus and libsrtp.
    public var profiling = false {
        didSet { for c in conferences { c.profiling = profiling } }
    }

    static let audioLevelExtensionID: UInt8 = 1
    static let payloadType: UInt8 = 111
    private static let windowTicks = 50
    /// What announced listeners hear on top of the mix: 1.3 s of a 600 Hz tone, looping (so the wrap is measured too).
    private static let announcementAudio = AnnouncementAudio(
        name: "bench", samples48kHz: (0..<62_400).map { (i: Int) -> Int16 in
            Int16(6_000 * sin(2 * Double.pi * 600 * Double(i) / 48_000))
        })

    private var conferences: [ConferenceMixer] = []
    private var endpoints: [[BenchEndpoint]] = []
    private let slotBytes: Int
    private let slots: UnsafeMutableRawBufferPointer
    private var slotLengths: [Int]
    private let sendBuffer: UnsafeMutableRawBufferPointer
    private let endpointCount: Int
    private var windowTick = MixerBench.windowTicks
    private var tick = 0

    /// Builds the conferences and encodes the synthetic input (a few seconds of setup).
    public init(options: MixerBenchOptions) throws {
        if let problem = options.validationProblem() { throw BenchError(problem) }
        self.options = options
        let frames = max(50, options.clipSeconds * 50)
        // The clients' encoders. With DTX they stay in SILK wideband: libopus 1.3 applies DTX to background noise only
        // in SILK mode (in hybrid and CELT modes only to digital silence), which is how a DTX-sending phone behaves.
        let input = OpusEncoderSettings(
            bitrate: options.opus.bitrate, complexity: 10, inbandFEC: true, dtx: options.dtx, expectedLossPercent: 5,
            maxBandwidth: options.dtx ? .wideband : nil)
        var voices: [EncodedClip] = []
        for t in 0..<max(1, options.talkers) {
            voices.append(try EncodedClip(source: SyntheticSpeech(seed: UInt64(t + 1)), frames: frames, settings: input))
        }
        var rooms: [EncodedClip] = []
        for r in 0..<4 {
            rooms.append(try EncodedClip(source: .silence(seed: UInt64(100 + r)), frames: frames, settings: input))
        }
        let maxPayload = (voices + rooms).map(\.maxPayload).max() ?? 0
        slotBytes = (RTPHeader.fixedSize + 8 + maxPayload + 64 + 15) & ~15

        for c in 0..<options.conferences {
            let mixer = try ConferenceMixer(configuration: options.mixer)
            var members: [BenchEndpoint] = []
            for p in 0..<options.participants {
                let talker = p < options.talkers
                let clip = talker ? voices[p % voices.count] : rooms[p % rooms.count]
                // Offsets so no two participants, or conferences, say the same thing at the same time.
                let offset = (c * 37 + p * 53) % frames
                let participant = try mixer.addParticipant(format: .opus(options.opus))
                members.append(
                    try BenchEndpoint(
                        participant: participant, clip: clip, offset: offset, profile: options.srtp.profile,
                        ssrc: UInt32(c * 1_000 + p + 1)))
            }
            for member in members.suffix(options.announcements) {
                try member.participant.play(Announcement(audio: Self.announcementAudio, loops: true))
            }
            conferences.append(mixer)
            endpoints.append(members)
        }
        endpointCount = options.conferences * options.participants
        slots = .allocate(byteCount: slotBytes * endpointCount * Self.windowTicks, alignment: 16)
        slotLengths = Array(repeating: 0, count: endpointCount * Self.windowTicks)
        sendBuffer = .allocate(byteCount: 1_600, alignment: 16)
    }

    deinit {
        slots.deallocate()
        sendBuffer.deallocate()
    }

    /// Conferences under test (for inspection).
    public var mixers: [ConferenceMixer] { conferences }

    /// Runs `count` ticks, building client packets whenever the window runs out. Returns the nanoseconds spent in
    /// ``serverTick()`` alone.
    @discardableResult
    public func run(ticks count: Int) -> UInt64 {
        var measured: UInt64 = 0
        for _ in 0..<count {
            if windowTick == Self.windowTicks { fillWindow() }
            let start = monotonicNanoseconds()
            serverTick()
            measured &+= monotonicNanoseconds() &- start
        }
        return measured
    }

    /// Runs for `seconds` of wall time and reports.
    public func run(seconds: Double) -> MixerBenchResult {
        profiling = true
        run(ticks: Self.windowTicks)  // warm-up: fills jitter buffers, picks speakers
        let codecBefore = conferences.reduce(0) { $0 + $1.profile.codecNanoseconds }
        let srtpBefore = srtpNanoseconds
        let deadline = monotonicNanoseconds() &+ UInt64(seconds * 1e9)
        var ticks = 0
        var serverNanoseconds: UInt64 = 0
        repeat {
            serverNanoseconds &+= run(ticks: Self.windowTicks)
            ticks += Self.windowTicks
        } while monotonicNanoseconds() < deadline
        let codec = conferences.reduce(0) { $0 + $1.profile.codecNanoseconds } - codecBefore
        let library = Double(codec + srtpNanoseconds - srtpBefore)
        let nsPerTick = Double(serverNanoseconds) / Double(ticks)
        let total = Double(options.participants * options.conferences)
        return MixerBenchResult(
            participants: options.participants, speakers: options.mixer.speakers, talkers: options.talkers,
            conferences: options.conferences, levels: options.levels, dtx: options.dtx,
            complexity: options.opus.complexity, bitrate: options.opus.bitrate, srtp: options.srtp.rawValue,
            ticks: ticks, nsPerTick: nsPerTick, nsPerParticipantTick: nsPerTick / total,
            libraryShare: serverNanoseconds > 0 ? library / Double(serverNanoseconds) : 0,
            realtimeParticipantsPerCore: total * 20_000_000 / nsPerTick)
    }

    /// The simulated clients: builds and protects every participant's packets for the next window of ticks.
    public func fillWindow() {
        windowTick = 0
        var e = 0
        for members in endpoints {
            for endpoint in members {
                for w in 0..<Self.windowTicks {
                    let slotIndex = w * endpointCount + e
                    let slot = UnsafeMutableRawBufferPointer(rebasing: slots[(slotIndex * slotBytes)..<((slotIndex + 1) * slotBytes)])
                    slotLengths[slotIndex] = endpoint.makeClientPacket(
                        frame: tick + w, into: slot, levels: options.levels)
                }
                e += 1
            }
        }
    }

    /// One tick of every conference: receive what the clients sent, mix, send.
    public func serverTick() {
        let now = UInt64(tick) &* 20_000_000
        var e = 0
        for (c, members) in endpoints.enumerated() {
            for endpoint in members {
                let slotIndex = windowTick * endpointCount + e
                let length = slotLengths[slotIndex]
                e += 1
                guard length > 0 else { continue }
                let slot = UnsafeMutableRawBufferPointer(rebasing: slots[(slotIndex * slotBytes)..<((slotIndex + 1) * slotBytes)])
                receive(slot, length: length, at: endpoint, now: now)
            }
            conferences[c].tick(now: now &+ 1_000_000)
            for endpoint in members { send(endpoint) }
        }
        windowTick += 1
        tick += 1
    }

    @inline(__always)
    private func receive(_ buffer: UnsafeMutableRawBufferPointer, length: Int, at endpoint: BenchEndpoint, now: UInt64) {
        var length = length
        if let session = endpoint.serverIn {
            let start = profiling ? monotonicNanoseconds() : 0
            let result = session.unprotectRTP(buffer, length: length)
            if profiling { srtpNanoseconds &+= monotonicNanoseconds() &- start }
            guard case .ok(let plain) = result else {
                droppedPackets &+= 1
                return
            }
            length = plain
        }
        let packet = UnsafeRawBufferPointer(rebasing: buffer[0..<length])
        guard let header = RTPHeader(parsing: packet) else {
            droppedPackets &+= 1
            return
        }
        let level = header.audioLevel(extensionID: Self.audioLevelExtensionID, in: packet)
        endpoint.participant.receive(
            payload: UnsafeRawBufferPointer(rebasing: packet[header.payloadRange]),
            sequenceNumber: header.sequenceNumber, timestamp: header.timestamp, audioLevel: level?.level, arrival: now)
    }

    @inline(__always)
    private func send(_ endpoint: BenchEndpoint) {
        let output = endpoint.participant.output
        defer { endpoint.serverTimestamp &+= output.timestampIncrement }
        guard output.transmit else { return }
        let writer = RTPHeaderWriter(
            payloadType: Self.payloadType, sequenceNumber: endpoint.serverSequence, timestamp: endpoint.serverTimestamp,
            ssrc: endpoint.serverSSRC, marker: output.marker)
        guard let headerLength = writer.write(into: sendBuffer),
            headerLength + output.payload.count + 16 <= sendBuffer.count,
            let source = output.payload.baseAddress, let target = sendBuffer.baseAddress
        else { return }
        (target + headerLength).copyMemory(from: source, byteCount: output.payload.count)
        var length = headerLength + output.payload.count
        if let session = endpoint.serverOut {
            let start = profiling ? monotonicNanoseconds() : 0
            let result = session.protectRTP(sendBuffer, length: length)
            if profiling { srtpNanoseconds &+= monotonicNanoseconds() &- start }
            guard case .ok(let protected) = result else { return }
            length = protected
        }
        endpoint.serverSequence &+= 1
        sentPackets &+= 1
    }
}

/// One participant of the bench: the server's view (mixer participant, SRTP both ways, its RTP stream) and the
/// simulated client's (its clip, its RTP stream, its SRTP).
final class BenchEndpoint {
    let participant: MixerParticipant
    let clip: EncodedClip
    let offset: Int
    let clientOut: SRTPSession?
    let serverIn: SRTPSession?
    let serverOut: SRTPSession?
    let clientSSRC: UInt32
    let serverSSRC: UInt32
    var serverSequence: UInt16 = 0
    var serverTimestamp: UInt32 = 0
    private var clientSequence: UInt16 = 0

    init(participant: MixerParticipant, clip: EncodedClip, offset: Int, profile: SRTPProfile?, ssrc: UInt32) throws {
        self.participant = participant
        self.clip = clip
        self.offset = offset
        clientSSRC = ssrc
        serverSSRC = ssrc | 0x8000_0000
        if let profile {
            let up = try SRTPKeyMaterial.random(profile: profile)
            let down = try SRTPKeyMaterial.random(profile: profile)
            clientOut = try SRTPSession(keyMaterial: up, direction: .outbound)
            serverIn = try SRTPSession(keyMaterial: up, direction: .inbound)
            serverOut = try SRTPSession(keyMaterial: down, direction: .outbound)
        } else {
            clientOut = nil
            serverIn = nil
            serverOut = nil
        }
    }

    /// Builds the client's packet for `frame` into `slot`; returns its length, or 0 when DTX sends nothing.
    func makeClientPacket(frame: Int, into slot: UnsafeMutableRawBufferPointer, levels: Bool) -> Int {
        clip.withFrame(frame + offset) { payload, level -> Int in
            guard payload.count > 2 else { return 0 }  // DTX: the client does not transmit this frame
            var writer = RTPHeaderWriter(
                payloadType: MixerBench.payloadType, sequenceNumber: clientSequence,
                timestamp: UInt32(truncatingIfNeeded: frame) &* 960, ssrc: clientSSRC)
            if levels {
                writer.audioLevel = AudioLevel(voiceActivity: level < 50, level: level)
                writer.audioLevelExtensionID = MixerBench.audioLevelExtensionID
            }
            guard let headerLength = writer.write(into: slot), let base = slot.baseAddress, let source = payload.baseAddress,
                headerLength + payload.count + 16 <= slot.count
            else { return 0 }
            (base + headerLength).copyMemory(from: source, byteCount: payload.count)
            clientSequence &+= 1
            let length = headerLength + payload.count
            guard let clientOut else { return length }
            if case .ok(let protected) = clientOut.protectRTP(slot, length: length) { return protected }
            return 0
        }
    }
}

/// A bench option that cannot work.
public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
