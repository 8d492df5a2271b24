public import ArgumentParser
import Foundation
import MediaBench
import OpusCodec

/// `consort bench`: measurements for load testers.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Consort's hot paths on this machine.",
        subcommands: [MixerBenchCommand.self, SIPBenchCommand.self, FocusBenchCommand.self, ControlBenchCommand.self]
    )
}

/// `consort bench mixer`: the whole per-tick audio path on one core, as fast as it runs.
struct MixerBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mixer",
        abstract: "Run the MCU's real media path on one core and report its cost.",
        discussion: """
            The embedded MCU that serves calls, on a memory network with its ticks driven by hand: conferences and \
            endpoints are made through MCUControl with real SDP offers and SDES keys. Each tick, for every participant: \
            ingress (RFC 7983), SRTP unprotect, RTP parse, source checks, jitter buffer, Opus decode (FEC/PLC), level; \
            per conference: speaker choice, mix-minus, at most N+1 Opus encodes; for every participant: RTP write, \
            SRTP protect, send, RTCP reports; with --video-senders, VP8 forwarding too. The simulated phones' work is \
            not timed. The input is synthetic speech, encoded once before timing starts. Compare with \
            ../shared/perf-floor/floor.sh run right before or after.
            """
    )

    @Option(help: "Participants in each conference (P).") var participants = 20
    @Option(help: "Speakers mixed at once (K, the mixer's N). Default: the configuration's mixer.speakers.")
    var speakers: Int?
    @Option(help: "Conferences (M), all on this core.") var conferences = 1
    @Option(help: "Seconds to run.") var seconds: Double = 10
    @Option(help: "Participants per conference that talk in the synthetic input (T). Default: K.") var talkers: Int?
    @Flag(help: "Put RFC 6464 audio levels in the input, so quiet participants need not be decoded.") var levels = false
    @Flag(help: "Encode the input's silence with DTX, so quiet participants send almost nothing.") var dtx = false
    @Option(help: "Opus encoder complexity 0-10 of the mixer. Default: the configuration's.") var complexity: Int?
    @Option(help: "Opus bit rate of the mixer in bit/s. Default: the configuration's.") var bitrate: Int?
    @Option(
        help: """
            Opus application of the mixer: adaptive (CELT while nobody reports loss, as in a clean run), voip (SILK/hybrid,             like floor.sh's encoder), audio or restrictedLowDelay. Default: the configuration's.
            """)
    var application: OpusEncoderSettings.Application?
    @Option(help: "Participants per conference that also send VP8 video (everyone then receives video).") var videoSenders = 0
    @Option(help: "SRTP on the media path: gcm (AEAD_AES_128_GCM), cm (AES_CM_128_HMAC_SHA1_80) or off.")
    var srtp: MixerBenchOptions.SRTPMode = .gcm
    @Flag(help: "Print one JSON object instead of a table.") var json = false
    @Option(help: "Configuration file for codec and mixer defaults.") var config = "Config/consort.yaml"

    func run() async throws {
        let configuration: ConsortConfiguration
        if FileManager.default.fileExists(atPath: config) {
            configuration = try ConsortConfiguration.load(path: config)
        } else if config == "Config/consort.yaml" {
            configuration = ConsortConfiguration()  // run from elsewhere: built-in defaults
        } else {
            throw ValidationError("configuration file \(config) does not exist")
        }
        var options = MixerBenchOptions()
        options.participants = participants
        options.conferences = conferences
        options.mixer = configuration.media.mixer
        options.opus = configuration.media.opus
        if let speakers { options.mixer.speakers = speakers }
        options.talkers = talkers ?? options.mixer.speakers
        options.levels = levels
        options.dtx = dtx
        if let complexity { options.opus.complexity = complexity }
        if let bitrate { options.opus.bitrate = bitrate }
        if let application { options.opus.application = application }
        options.srtp = srtp
        options.videoSenders = videoSenders
        if let problem = options.validationProblem() { throw ValidationError(problem) }
        guard seconds > 0 && seconds <= 3_600 else { throw ValidationError("--seconds must be in (0, 3600]") }

        let bench = try await ConferenceBench.make(options: options)
        let result = bench.run(seconds: seconds)
        await bench.shutdown()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(result.summary)
        }
    }
}

extension MixerBenchOptions.SRTPMode: ExpressibleByArgument {}
extension OpusEncoderSettings.Application: ExpressibleByArgument {}
