#if canImport(Glibc)
import Glibc
#endif
import AudioMixer
import Foundation
import Logging
public import MCUControl
public import MediaCore
import NIOCore
import OpusCodec
import RTPWire
import SDP
import SRTP

/// The MCU's real media path, measured: an ``EmbeddedMCU`` on a memory network with ticks driven by hand. Conferences
/// and endpoints are made through MCUControl exactly as calls make them (SDP offers, SDES keys); every tick the
/// simulated phones send their next packet (outside the measured time), then `tickAll` runs the conference code that
/// serves calls — ingress, SRTP, jitter buffer, decode, mix-minus, encode, send, RTCP reports, video forwarding — and
/// the phones drain what they were sent. Nothing in the measured tick allocates in steady state (the gate checks).
public final class ConferenceBench {
    public let options: MixerBenchOptions
    public let mcu: EmbeddedMCU
    let network: MemoryNetwork
    private var phones: [BenchPhone] = []
    private let drainBuffer: UnsafeMutableRawBufferPointer
    private var tick = 0
    private var clock: UInt64 = 1_000_000_000
    /// Mix (and video) packets the phones received.
    public private(set) var receivedPackets: UInt64 = 0
    /// What the phones sent.
    public private(set) var sentPackets: UInt64 = 0
    private let promptFile: URL?

    static let payloadType = 111
    static let audioLevelExtensionID: UInt8 = 1
    static let mcuHost = "127.0.0.1"
    static let phoneHost = "127.0.0.2"

    private init(options: MixerBenchOptions, mcu: EmbeddedMCU, network: MemoryNetwork, promptFile: URL?) {
        self.options = options
        self.mcu = mcu
        self.network = network
        self.promptFile = promptFile
        drainBuffer = .allocate(byteCount: 2_048, alignment: 16)
    }

    deinit {
        drainBuffer.deallocate()
        if let promptFile { try? FileManager.default.removeItem(at: promptFile) }
    }

    /// Builds the MCU, its conferences and the phones, and encodes the synthetic input (a few seconds of setup).
    public static func make(options: MixerBenchOptions) async throws -> ConferenceBench {
        if let problem = options.validationProblem() { throw BenchError(problem) }
        let network = MemoryNetwork(slotsPerPort: 64)
        var configuration = MCUConfiguration()
        configuration.rtpPorts = "20000-60000"
        configuration.bindAddress = mcuHost
        configuration.loops = 1
        configuration.mediaTimeoutSeconds = 0
        configuration.holdTimeoutSeconds = 0
        configuration.maxTenantPortShare = 1
        configuration.maxTenantTickShare = 1
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let mcu: EmbeddedMCU
        do {
            mcu = try EmbeddedMCU(
                configuration: configuration, mixer: options.mixer, opus: options.opus, logger: logger, transport: .memory(network),
                manualTicks: true)
        } catch {
            throw BenchError("cannot make the MCU: \(error)")
        }
        let promptFile = options.announcements > 0 ? try Self.writePrompt() : nil
        let bench = ConferenceBench(options: options, mcu: mcu, network: network, promptFile: promptFile)
        try await bench.build()
        return bench
    }

    private func build() async throws {
        let frames = max(50, options.clipSeconds * 50)
        // The phones' encoders. With DTX they stay in SILK wideband: libopus applies DTX to background noise only in
        // SILK mode, which is how a DTX-sending phone behaves.
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
        var portNumber = 10_000
        for c in 0..<options.conferences {
            let conference = ConferenceID(tenant: "bench", meeting: "c\(c)")
            do {
                try await mcu.addConference(conference)
            } catch {
                throw BenchError("addConference: \(error.reason)")
            }
            for p in 0..<options.participants {
                let talker = p < options.talkers
                let clip = talker ? voices[p % voices.count] : rooms[p % rooms.count]
                let sendsVideo = p < options.videoSenders
                let wantsVideo = options.videoSenders > 0
                guard let audioPort = network.open(host: Self.phoneHost, port: portNumber) else {
                    throw BenchError("memory port \(portNumber) is taken")
                }
                let videoPort = wantsVideo ? network.open(host: Self.phoneHost, port: portNumber + 2) : nil
                if wantsVideo && videoPort == nil { throw BenchError("memory port \(portNumber + 2) is taken") }
                portNumber += 4
                let audioKey = try options.srtp.profile.map { try SRTPKeyMaterial.random(profile: $0) }
                let videoKey = try options.srtp.profile.map { try SRTPKeyMaterial.random(profile: $0) }
                let offer = Self.offer(
                    audio: audioPort.port, video: videoPort?.port, srtp: options.srtp, audioKey: audioKey?.inlineKeyParameter,
                    videoKey: videoKey?.inlineKeyParameter, levels: options.levels)
                let endpoint = EndpointID("c\(c)p\(p)")
                let answer: AddEndpointResponse
                do {
                    answer = try await mcu.addEndpoint(
                        AddEndpointRequest(conference: conference, endpoint: endpoint, offer: offer, advertisedAddress: Self.mcuHost, label: "bench"))
                } catch {
                    throw BenchError("addEndpoint: \(error.reason)")
                }
                guard let mcuAudio = answer.media.first(where: { $0.type == "audio" && $0.accepted })?.localPort else {
                    throw BenchError("the MCU accepted no audio")
                }
                let mcuVideo = answer.media.first { $0.type == "video" && $0.accepted }?.localPort
                if p >= options.participants - options.announcements, let promptFile {
                    do {
                        try await mcu.playAnnouncement(AnnouncementRequest(conference: conference, endpoint: endpoint, prompt: promptFile.path, loop: true))
                    } catch {
                        throw BenchError("playAnnouncement: \(error.reason)")
                    }
                }
                phones.append(
                    try BenchPhone(
                        audio: audioPort, video: videoPort, mcuAudioPort: mcuAudio, mcuVideoPort: sendsVideo ? mcuVideo : nil,
                        clip: clip, offset: (c * 37 + p * 53) % frames, audioKey: audioKey, videoKey: videoKey,
                        ssrc: UInt32(c * 1_000 + p + 1), levels: options.levels))
            }
        }
    }

    /// An offer as a phone makes it: Opus (with FEC), the audio-level extension when levels are on, rtcp-mux, SDES keys
    /// when SRTP is on, and VP8 video when any participant sends video.
    static func offer(audio: Int, video: Int?, srtp: MixerBenchOptions.SRTPMode, audioKey: String?, videoKey: String?, levels: Bool) -> String {
        let secure = srtp.profile != nil
        var sdp = "v=0\r\no=phone 1 1 IN IP4 \(phoneHost)\r\ns=-\r\nc=IN IP4 \(phoneHost)\r\nt=0 0\r\n"
        sdp += "m=audio \(audio) \(secure ? "RTP/SAVP" : "RTP/AVP") \(payloadType)\r\na=rtpmap:\(payloadType) opus/48000/2\r\n"
        sdp += "a=fmtp:\(payloadType) useinbandfec=1\r\na=rtcp-mux\r\n"
        if levels { sdp += "a=extmap:\(audioLevelExtensionID) \(SDPExtensionMap.audioLevelURI)\r\n" }
        if let profile = srtp.profile, let audioKey { sdp += "a=crypto:1 \(profile.rawValue) \(audioKey)\r\n" }
        if let video {
            sdp += "m=video \(video) \(secure ? "RTP/SAVPF" : "RTP/AVPF") 96\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\na=rtcp-mux\r\n"
            if let profile = srtp.profile, let videoKey { sdp += "a=crypto:1 \(profile.rawValue) \(videoKey)\r\n" }
        }
        return sdp
    }

    /// 1.3 s of a 600 Hz tone as a WAV file (48 kHz mono), for the announcement runs.
    static func writePrompt() throws -> URL {
        let samples = (0..<62_400).map { (i: Int) -> Int16 in Int16(6_000 * sin(2 * Double.pi * 600 * Double(i) / 48_000)) }
        var data = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8))
        append(UInt32(36 + samples.count * 2))
        data.append(contentsOf: Array("WAVEfmt ".utf8))
        append(UInt32(16))
        append(UInt16(1))
        append(UInt16(1))
        append(UInt32(48_000))
        append(UInt32(96_000))
        append(UInt16(2))
        append(UInt16(16))
        data.append(contentsOf: Array("data".utf8))
        append(UInt32(samples.count * 2))
        for s in samples { append(s) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("consort-bench-\(UUID().uuidString).wav")
        try data.write(to: url)
        return url
    }

    /// Runs `count` ticks; returns the nanoseconds spent in the MCU's ticks alone (the phones' work is not counted).
    @discardableResult
    public func run(ticks count: Int) -> UInt64 {
        var measured: UInt64 = 0
        for _ in 0..<count {
            for phone in phones { sentPackets &+= phone.send(frame: tick) }
            clock &+= 20_000_000
            let start = monotonicNanoseconds()
            mcu.tickAll(at: .uptimeNanoseconds(clock))
            measured &+= monotonicNanoseconds() &- start
            for phone in phones { receivedPackets &+= phone.drain(into: drainBuffer) }
            tick += 1
        }
        return measured
    }

    /// Runs for `seconds` of wall time and reports.
    public func run(seconds: Double) -> MixerBenchResult {
        run(ticks: 50)  // warm-up: fills jitter buffers, picks speakers
        mcu.setProfiling(true)
        let codecBefore = mcu.codecNanoseconds
        let deadline = monotonicNanoseconds() &+ UInt64(seconds * 1e9)
        var ticks = 0
        var nanoseconds: UInt64 = 0
        repeat {
            nanoseconds &+= run(ticks: 50)
            ticks += 50
        } while monotonicNanoseconds() < deadline
        let codec = Double(mcu.codecNanoseconds - codecBefore)
        mcu.setProfiling(false)
        let nsPerTick = Double(nanoseconds) / Double(ticks)
        let total = Double(options.participants * options.conferences)
        return MixerBenchResult(
            participants: options.participants, speakers: options.mixer.speakers, talkers: options.talkers,
            conferences: options.conferences, levels: options.levels, dtx: options.dtx,
            complexity: options.opus.complexity, bitrate: options.opus.bitrate, application: options.opus.application.rawValue,
            srtp: options.srtp.rawValue,
            ticks: ticks, nsPerTick: nsPerTick, nsPerParticipantTick: nsPerTick / total,
            libraryShare: nanoseconds > 0 ? codec / Double(nanoseconds) : 0,
            realtimeParticipantsPerCore: total * 20_000_000 / nsPerTick)
    }

    /// Stops the MCU.
    public func shutdown() async { await mcu.shutdown() }
}

/// One simulated phone: its memory ports, its clip, its SRTP, its RTP streams.
final class BenchPhone {
    let audio: MemoryDatagramPort
    let video: MemoryDatagramPort?
    let mcuAudioPort: Int
    let mcuVideoPort: Int?
    let clip: EncodedClip
    let offset: Int
    let audioOut: SRTPSession?
    let videoOut: SRTPSession?
    let ssrc: UInt32
    let levels: Bool
    private var sequence: UInt16 = 0
    private var videoSequence: UInt16 = 0
    private let buffer: UnsafeMutableRawBufferPointer
    private let mcuIP: UInt32

    init(
        audio: MemoryDatagramPort, video: MemoryDatagramPort?, mcuAudioPort: Int, mcuVideoPort: Int?, clip: EncodedClip, offset: Int,
        audioKey: SRTPKeyMaterial?, videoKey: SRTPKeyMaterial?, ssrc: UInt32, levels: Bool
    ) throws {
        self.audio = audio
        self.video = video
        self.mcuAudioPort = mcuAudioPort
        self.mcuVideoPort = mcuVideoPort
        self.clip = clip
        self.offset = offset
        self.ssrc = ssrc
        self.levels = levels
        audioOut = try audioKey.map { try SRTPSession(keyMaterial: $0, direction: .outbound) }
        videoOut = try videoKey.map { try SRTPSession(keyMaterial: $0, direction: .outbound) }
        buffer = .allocate(byteCount: 2_048, alignment: 16)
        var address = in_addr()
        inet_pton(AF_INET, ConferenceBench.mcuHost, &address)
        mcuIP = address.s_addr
    }

    deinit { buffer.deallocate() }

    /// Sends this tick's audio packet (none when DTX has nothing to send) and, for a video sender, a VP8 packet with a
    /// keyframe every second. Returns the packets sent.
    func send(frame: Int) -> UInt64 {
        var sent: UInt64 = 0
        let length = clip.withFrame(frame + offset) { payload, level -> Int in
            guard payload.count > 2 else { return 0 }  // DTX
            var writer = RTPHeaderWriter(
                payloadType: UInt8(ConferenceBench.payloadType), sequenceNumber: sequence, timestamp: UInt32(truncatingIfNeeded: frame) &* 960,
                ssrc: ssrc)
            if levels {
                writer.audioLevel = AudioLevel(voiceActivity: level < 50, level: level)
                writer.audioLevelExtensionID = ConferenceBench.audioLevelExtensionID
            }
            guard let headerLength = writer.write(into: buffer), let base = buffer.baseAddress, let source = payload.baseAddress,
                headerLength + payload.count + (audioOut?.profile.rtpOverhead ?? 0) <= buffer.count
            else { return 0 }
            (base + headerLength).copyMemory(from: source, byteCount: payload.count)
            sequence &+= 1
            let plain = headerLength + payload.count
            guard let audioOut else { return plain }
            if case .ok(let protected) = audioOut.protectRTP(buffer, length: plain) { return protected }
            return 0
        }
        if length > 0, audio.send(UnsafeRawBufferPointer(rebasing: buffer[0..<length]), to: mcuIP, port: mcuAudioPort) { sent += 1 }
        if let video, let mcuVideoPort {
            let key = frame % 50 == 0
            let writer = RTPHeaderWriter(
                payloadType: 96, sequenceNumber: videoSequence, timestamp: UInt32(truncatingIfNeeded: frame) &* 1_800, ssrc: ssrc | 0x4000_0000,
                marker: true)
            if let headerLength = writer.write(into: buffer), headerLength + 1_000 + (videoOut?.profile.rtpOverhead ?? 0) <= buffer.count {
                // VP8 payload descriptor (S=1, PID 0), then a payload header whose P bit says keyframe or not.
                buffer[headerLength] = 0x10
                buffer[headerLength + 1] = key ? 0x00 : 0x01
                for i in (headerLength + 2)..<(headerLength + 1_000) { buffer[i] = UInt8(truncatingIfNeeded: i) }
                videoSequence &+= 1
                var length = headerLength + 1_000
                if let videoOut, case .ok(let protected) = videoOut.protectRTP(buffer, length: length) { length = protected }
                if video.send(UnsafeRawBufferPointer(rebasing: buffer[0..<length]), to: mcuIP, port: mcuVideoPort) { sent += 1 }
            }
        }
        return sent
    }

    /// Takes what the MCU sent this phone off its ports (not decrypted: the phone's work is not the MCU's).
    func drain(into scratch: UnsafeMutableRawBufferPointer) -> UInt64 {
        var count: UInt64 = 0
        while audio.receive(scratch) != nil { count += 1 }
        if let video { while video.receive(scratch) != nil { count += 1 } }
        return count
    }
}
