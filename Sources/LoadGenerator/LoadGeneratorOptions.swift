/// What a load run does: how many participants in how many meetings, for how long, against which server, and how the
/// server's CPU is sampled.
public struct LoadGeneratorOptions: Sendable {
    /// How participants reach the server's mixer.
    public enum Mode: Sendable, Equatable {
        /// Real SIP calls (INVITE with an Opus offer, plain RTP) to `sip:<prefix><n>@target`.
        case sip
        /// Janus AudioBridge plain-RTP participants, joined through Janus's HTTP API at `target` (path `/janus`).
        case janusAudioBridge
    }

    /// SIP calls or Janus AudioBridge.
    public var mode: Mode = .sip
    /// The server: an IPv4 loopback address and a port (SIP port, or Janus's HTTP port).
    public var targetHost = "127.0.0.1"
    /// SIP port (or Janus HTTP port).
    public var targetPort = 5060
    /// Meeting names are this prefix followed by 1, 2, … (Janus rooms get numeric ids from `janusRoomBase`).
    public var meetingPrefix = "room"
    /// First Janus room id (rooms `janusRoomBase`, +1, …).
    public var janusRoomBase = 4_200
    /// Janus: the bit rate of each participant's Opus encoder (join `bitrate`), like Consort's default.
    public var janusBitrate = 32_000
    /// Janus: the Opus complexity of each participant's encoder (join `quality`, 1-10), like Consort's default.
    public var janusComplexity = 5
    /// Participants per meeting.
    public var participants = 3
    /// Meetings.
    public var conferences = 1
    /// Seconds of media after every call is set up (raised to fit warm-up and windows when the CPU is sampled).
    public var seconds = 10.0
    /// Participants per meeting who talk (speech-like signal); the others send room noise.
    public var talkers = 3
    /// Put RFC 6464 audio levels (extension id 1) in the packets sent.
    public var audioLevels = false
    /// Calls set up at once.
    public var setupConcurrency = 16
    /// Seconds to wait for one call to be answered.
    public var setupTimeout = 10.0
    /// The server's process id, for CPU sampling from /proc; nil samples nothing.
    public var serverPID: Int32?
    /// Seconds of media before the first CPU window.
    public var warmup = 5.0
    /// Seconds per CPU window.
    public var window = 20.0
    /// CPU windows, back to back.
    public var repeats = 3

    /// Report every participant's receive gaps and re-INVITEs (``LoadReport/perParticipant``).
    public var reportGaps = false

    /// Loopback addresses the participants' SIP and RTP sockets bind to, participant i on address i mod count (Linux
    /// routes all of 127.0.0.0/8 to `lo`): spread over many, a run measures the server rather than its per-source
    /// limits. Default: 127.0.0.1 alone.
    public var sourceAddresses = ["127.0.0.1"]

    /// Defaults: 3 participants in 1 meeting for 10 s against 127.0.0.1:5060.
    public init() {}

    /// Every participant.
    public var totalParticipants: Int { participants * conferences }

    /// Seconds of media the run sends: `seconds`, or warm-up plus every window when the CPU is sampled.
    public var mediaSeconds: Double {
        serverPID == nil ? seconds : max(seconds, warmup + window * Double(repeats) + 0.5)
    }

    /// Why these options cannot run, or nil.
    public func validationProblem() -> String? {
        if !LoopbackAddress.isLoopbackIPv4(targetHost) {
            return "the target must be an IPv4 loopback address (127.x.x.x), not \(targetHost): the load generator sends only to loopback"
        }
        if !(1...65_535).contains(targetPort) { return "the target port must be 1-65535" }
        if participants < 1 || participants > 1_000 { return "--participants must be 1-1000" }
        if conferences < 1 || conferences > 400 { return "--conferences must be 1-400" }
        if totalParticipants > 2_000 { return "at most 2000 participants in all" }
        if !(6_000...510_000).contains(janusBitrate) || !(1...10).contains(janusComplexity) {
            return "--janus-bitrate must be 6000-510000 and --janus-complexity 1-10"
        }
        if talkers < 0 { return "--talkers must be 0 or more" }
        if !(seconds > 0 && seconds <= 3_600) { return "--seconds must be in (0, 3600]" }
        if serverPID != nil {
            if !(warmup >= 0 && warmup <= 600) { return "--warmup must be 0-600 s" }
            if !(window >= 1 && window <= 600) { return "--window must be 1-600 s" }
            if !(1...50).contains(repeats) { return "--repeat must be 1-50" }
        }
        if sourceAddresses.isEmpty || sourceAddresses.count > 65_536 { return "--source-addresses must name 1-65536 addresses" }
        if let bad = sourceAddresses.first(where: { !LoopbackAddress.isLoopbackIPv4($0) }) {
            return "--source-addresses: \(bad) is not an IPv4 loopback address (127.x.x.x)"
        }
        if meetingPrefix.isEmpty || meetingPrefix.contains(where: { !($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
            return "--meeting-prefix must be letters, digits, '-', '_' or '.'"
        }
        return nil
    }
}

/// The one rule that keeps the load generator on this host: every destination is an IPv4 loopback address.
public enum LoopbackAddress {
    /// True for a dotted-quad in 127.0.0.0/8.
    public static func isLoopbackIPv4(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return false }
        return parts[0] == "127"
    }

    /// The addresses of "FIRST-LAST" (both IPv4 loopback, FIRST <= LAST, at most 65,536) or of a single address, in
    /// order; nil for anything else.
    public static func range(_ text: String) -> [String]? {
        let ends = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard ends.count == 1 || ends.count == 2, let first = ends.first, let last = ends.last,
            let low = value(first), let high = value(last), low <= high, high - low < 65_536
        else { return nil }
        return (low...high).map { v in "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)" }
    }

    private static func value(_ address: String) -> UInt32? {
        guard isLoopbackIPv4(address) else { return nil }
        let parts = address.split(separator: ".").compactMap { UInt32($0) }
        guard parts.count == 4 else { return nil }
        return parts.reduce(0) { $0 << 8 | $1 }
    }
}
