import ArgumentParser
import LoadGenerator
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `consort loadgen`: real SIP calls with real Opus RTP against a server on loopback, with the server's CPU per
/// participant-second when its pid is given.
struct LoadgenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadgen",
        abstract: "Place participants × meetings as real SIP calls with Opus RTP on loopback; count media; sample server CPU.",
        discussion: """
            Every participant calls sip:<prefix><n>@<target> (INVITE with an Opus offer, plain RTP/AVP), then sends \
            20 ms Opus frames at 50 packets/s from its own UDP socket on 127.0.0.1 (or on --source-addresses) to the port \
            in the SDP answer: \
            --talkers participants per meeting replay synthetic speech, the others room noise, each at its own \
            offset. One thread paces every send against a monotonic 20 ms reference and drains what comes back. After \
            --seconds (or warm-up plus windows when --server-pid is set) every call gets a BYE. \
            With --server-pid it reads utime+stime of that process from /proc/PID/stat after --warmup seconds, then \
            every --window seconds, --repeat times, and reports CPU milliseconds per participant-second for each \
            window and their median. With --janus it drives Janus's AudioBridge over its HTTP API instead of SIP \
            (see Benchmarks/perf-compare/perf-compare.sh). It sends only to 127.0.0.0/8.
            """
    )

    @Option(help: "Server to call: an IPv4 loopback address and port (SIP; with --janus, Janus's HTTP port).")
    var target = "127.0.0.1:5060"
    @Option(help: "Meeting names are this prefix followed by 1, 2, … (sip:room1@target, …).")
    var meetingPrefix = "room"
    @Option(help: "Participants per meeting.") var participants = 3
    @Option(help: "Meetings, each with --participants participants (default 1; with --find-capacity, the most the ramp adds: default as many as 2000 participants make).")
    var conferences: Int?
    @Option(help: "Seconds of media once the calls are up (raised to --warmup + --window × --repeat with --server-pid).")
    var seconds = 10.0
    @Option(help: "Participants per meeting who talk (speech-like signal); the others send room noise.") var talkers = 3
    @Flag(help: "Put RFC 6464 audio levels (extension id 1) in every packet sent.") var levels = false
    @Option(help: "Calls set up at once.") var setupConcurrency = 16
    @Option(help: "Process id of the server, to sample its CPU time from /proc.") var serverPid: Int32?
    @Option(help: "Seconds of media before the first CPU window (with --server-pid).") var warmup = 5.0
    @Option(help: "Seconds per CPU window (with --server-pid).") var window = 20.0
    @Option(name: .customLong("repeat"), help: "CPU windows, back to back (with --server-pid).") var repeats = 3
    @Flag(help: "Drive Janus's AudioBridge (HTTP API at --target, path /janus) with plain-RTP participants instead of SIP.")
    var janus = false
    @Option(help: "First Janus AudioBridge room id (with --janus).") var janusRoom = 4_200
    @Option(help: "Bit rate of Janus's Opus encoder per participant (with --janus; Consort's default is 32000).")
    var janusBitrate = 32_000
    @Option(help: "Opus complexity of Janus's encoder per participant, 1-10 (with --janus; Consort's default is 5).")
    var janusComplexity = 5
    @Option(
        help: """
            Loopback addresses to spread the participants' SIP and RTP sockets over, FIRST-LAST (e.g. \
            127.0.0.2-127.0.0.250; Linux routes all of 127/8 to lo), so the run measures the server rather than its \
            per-source limits. Default: 127.0.0.1.
            """)
    var sourceAddresses: String?
    @Flag(
        help: """
            Report every participant's longest receive gap (and when it ended, Unix time), its re-INVITEs and the time \
            from each to the first packet from the new address (JSON: perParticipant). For outage measurements.
            """)
    var reportGaps = false
    @Flag(
        help: """
            Ramp meetings of --participants against the target, --step-participants at a time (whole meetings), each \
            step measured for --step-seconds after --settle seconds, until the receivers see more than --threshold of \
            frames late (> 60 ms behind schedule) or packets lost, or the server refuses calls; report the last good size \
            (with --server-pid, also the server's cores and participants per core). Progress: one updating line on a \
            terminal, a line a second otherwise.
            """)
    var findCapacity = false
    @Option(help: "With --find-capacity: the late or lost share that fails a step (0.005 = 0.5 %).") var threshold = 0.005
    @Option(help: "With --find-capacity: participants added per step, rounded to whole meetings.") var stepParticipants = 50
    @Option(help: "With --find-capacity: seconds each step is measured.") var stepSeconds = 5.0
    @Option(help: "With --find-capacity: seconds after a step's calls are up before its measurement.") var settle = 2.0
    @Flag(inversion: .prefixedNo, help: "With --find-capacity: measure a step over the threshold once more before stopping.")
    var confirm = true
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: Logger.Level = .warning

    func run() async throws {
        let level = logLevel
        bootstrapLogging(level)
        var options = LoadGeneratorOptions()
        let parts = target.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--target must be host:port, e.g. 127.0.0.1:5060") }
        options.mode = janus ? .janusAudioBridge : .sip
        options.targetHost = String(parts[0])
        options.targetPort = port
        options.meetingPrefix = meetingPrefix
        options.janusRoomBase = janusRoom
        options.janusBitrate = janusBitrate
        options.janusComplexity = janusComplexity
        options.participants = participants
        options.conferences = conferences ?? (findCapacity ? max(1, min(400, 2_000 / max(1, participants))) : 1)
        options.seconds = seconds
        options.talkers = talkers
        options.audioLevels = levels
        options.setupConcurrency = max(1, setupConcurrency)
        options.serverPID = serverPid
        options.warmup = warmup
        options.window = window
        options.repeats = repeats
        options.reportGaps = reportGaps
        if let sourceAddresses {
            guard let addresses = LoopbackAddress.range(sourceAddresses) else {
                throw ValidationError("--source-addresses must be FIRST-LAST, two IPv4 loopback addresses (127.x.x.x), FIRST <= LAST")
            }
            options.sourceAddresses = addresses
        }
        if let problem = options.validationProblem() { throw ValidationError(problem) }
        if findCapacity {
            try await runCapacityRamp(options)
            return
        }
        let report = try await LoadGenerator(options: options, logger: Logger(label: "consort.loadgen")).run()
        print(json ? report.json : report.text)
        if report.callsSetUp == 0 { throw ExitCode(1) }
    }
}

extension LoadgenCommand {
    func runCapacityRamp(_ options: LoadGeneratorOptions) async throws {
        var ramp = CapacityRampOptions()
        ramp.threshold = threshold
        ramp.stepParticipants = stepParticipants
        ramp.stepSeconds = stepSeconds
        ramp.settleSeconds = settle
        ramp.confirm = confirm
        if let problem = ramp.validationProblem() { throw ValidationError(problem) }
        let quiet = json
        let terminal = isatty(STDOUT_FILENO) == 1 && !quiet
        let report = try await CapacityRamp(options: options, ramp: ramp, logger: Logger(label: "consort.loadgen")).run { progress in
            if quiet { return }
            // Straight to the descriptor: the pacer's thread must not wait on stdout's buffer lock, and each line shows at once.
            let text = terminal ? "\r" + progress.line + "\u{1B}[K" : progress.line + "\n"
            _ = text.utf8CString.withUnsafeBufferPointer { write(STDOUT_FILENO, $0.baseAddress, $0.count - 1) }
        }
        if terminal { print("") }
        print(json ? report.json : report.text)
        if report.lastGood == nil { throw ExitCode(1) }
    }
}
