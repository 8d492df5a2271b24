/// Real softphones for end-to-end tests: baresip 1.0.0 (Debian bookworm's `baresip-core`) run headless on loopback,
/// playing a WAV file as its microphone and recording what it receives to a WAV file.
///
/// How each need is met in 1.0.0:
/// - Headless: `baresip -4 -f DIR -t LIFETIME` with no UI module that reads stdin (no `stdio.so`/`cons.so`); stdin is
///   /dev/null; `-t` makes baresip quit by itself after LIFETIME seconds, so a test process that dies cannot leave one
///   running for long. Not `-d`: a daemon forks away from the process the harness must be able to kill.
/// - Control: the `ctrl_tcp` module (`ctrl_tcp_listen 127.0.0.1:PORT`), JSON in netstrings (see BaresipControl.swift).
///   It runs the `menu` module's long commands (`dial URI`, `hangup`, `accept`, `quit`) and reports every call event,
///   so a test waits for CALL_ESTABLISHED / CALL_CLOSED instead of sleeping. (`-e "/dial URI"` works too, but only at
///   start-up and without feedback.)
/// - Loopback only: `sip_listen 127.0.0.1:PORT` and `net_interface 127.0.0.1`. Pitfall: `net_interface lo` fails in
///   1.0.0 here ("net: lo: could not get IPv4 address (No such device)"); the address form works. No STUN/ICE/TURN
///   modules are loaded, every URI is an IP address (no DNS) and accounts have `regint=0` (no REGISTER).
/// - Ports: one block of `BaresipInstance.portsPerInstance` consecutive free ports per instance: SIP on the base
///   (UDP and TCP), base+1 left for SIP over TLS, ctrl_tcp on base+2, RTP/RTCP from base+4 on (`rtp_ports`).
/// - Microphone: `audio_source aufile,FILE` with the `aufile` module. 1.0.0's aufile loads the whole file, plays it
///   once and then reports "end of file" (event AUDIO_ERROR), on which the menu module hangs up — so the tone must
///   outlast the call (the default tone is 60 s). The file must be 16-bit PCM; its rate and channel count become `ausrc_srate` and
///   `ausrc_channels`, and baresip resamples to the codec (e.g. 48 kHz → 8 kHz for PCMU).
/// - Recording: 1.0.0's `aufile` has no player side, so the `sndfile` filter module records instead. It writes
///   `dump-<YYYY-MM-DD-hh-mm-ss>-dec.wav` (what was received, after decoding, at the codec's rate and channels: 8 kHz
///   mono for PCMU, 48 kHz stereo for Opus) and `…-enc.wav` (what was sent) into `snd_path`. The files are completed
///   when the call ends; `stop()` moves the newest received file to the caller's `recording` URL. The speaker is
///   ALSA's `null` device (`audio_player alsa,null`); decoding and recording happen on receipt, before the player, so
///   the file grows in real time and a silence with no packets adds nothing (`recordingMark()` cuts it at moments).
///   A re-INVITE that resets the decoder (a direction other than sendrecv, e.g. hold, or a codec of another rate or
///   channel count) ends the received recording for the rest of the call: 1.0 flushes the receive filters then and
///   rebuilds them only when the send filters are gone too. A sendrecv re-INVITE with the same codec (a media move)
///   keeps it.
/// - Codecs: all codec modules stay loaded; the account's `audio_codecs=` restricts the offer and answer
///   (`opus/48000/2`, `PCMU/8000/1`).
/// - SDES-SRTP: module `srtp.so` and the account's `mediaenc=srtp-mand` (RTP/SAVP with a=crypto, refuses plain RTP).
/// - Answering: the account's `answermode=auto` (or `manual`, then `accept()`).
/// - Video (`video: true`): baresip-core's own modules, no camera and no window: `fakevideo` is both the source (a
///   generated 320×240 picture at 15 fps) and the display (draws nothing), `vp8` (libvpx) the codec, offered alone
///   (`video_codecs=vp8`). When decoded pictures arrive, baresip logs "video: receiving with resolution W x H" once
///   per stream: `receivedVideo` reads it.
///
/// Pointing N softphones at a conference server (the MCU tests): give each its own tone and recording, dial the
/// meeting's URI, wait until every call is up, let audio flow, hang up, stop, then analyse each recording:
///
///     let tones: [Double] = [440, 1000, 1700]
///     let phones = try tones.enumerated().map { i, f in
///         try BaresipInstance(user: "p\(i)", tone: f, recording: dir.appendingPathComponent("p\(i).wav"))
///     }
///     defer { phones.forEach { $0.stop() } }
///     for phone in phones { try phone.dial("sip:meeting-1@127.0.0.1:\(serverPort)") }
///     for phone in phones { try phone.waitUntilEstablished(timeout: 10) }
///     Thread.sleep(forTimeInterval: 5)
///     for phone in phones { try? phone.hangup() }
///     for phone in phones { phone.stop() }
///     for (phone, f) in zip(phones, tones) {
///         let levels = try phone.receivedLevels(candidates: tones)   // each hears the other two, not its own
///         #expect(tones.filter { $0 != f }.allSatisfy(levels.hears) && levels.lacks(f), "\(levels)")
///     }
///
/// A phone in another meeting must hear none of the tones: `!phone.receivedAnything || levels.lacks(f)` for every f
/// (sndfile writes no file when no RTP arrived at all). Choose tones under 3.4 kHz (PCMU participants decode at 8 kHz)
/// and not harmonics of one another (G.711 and mixing distortion put energy at 2f, 3f).
/// The server sees each phone as `sip:pN@127.0.0.1:<its port>` (From, Contact). Set `codecs: .pcmu` for a G.711-only
/// participant and `srtp: true` for SDES-SRTP (the server must then answer RTP/SAVP with a=crypto). Set
/// CONSORT_KEEP_BARESIP=1 to keep each instance's folder (config, baresip.log, both recordings) for a post-mortem.
public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Which audio codecs a baresip instance offers and accepts.
public enum BaresipCodecs: Sendable {
    /// Opus only (48 kHz, stereo in SDP as RFC 7587 requires).
    case opus
    /// G.711 µ-law only.
    case pcmu
    /// Opus first, then PCMU and PCMA.
    case any

    var accountParameter: String? {
        switch self {
        case .opus: "opus/48000/2"
        case .pcmu: "PCMU/8000/1"
        case .any: nil
        }
    }
}

/// One headless baresip process on loopback with its own configuration folder, ports, tone and recording.
public final class BaresipInstance {
    /// Ports reserved per instance: SIP, SIP/TLS, control, one spare, then 16 for RTP and RTCP.
    public static let portsPerInstance = 20

    /// The account user (the user part of `uri`).
    public let user: String
    /// The SIP port on 127.0.0.1 (UDP and TCP).
    public let sipPort: Int
    /// The ctrl_tcp port on 127.0.0.1.
    public let controlPort: Int
    /// The RTP port range given to baresip.
    public let rtpPorts: ClosedRange<Int>
    /// This phone's address: `sip:<user>@127.0.0.1:<sipPort>`.
    public var uri: String { "sip:\(user)@127.0.0.1:\(sipPort)" }
    /// The configuration folder (config, accounts, contacts, baresip.log, recordings/); removed by `stop()`.
    public let directory: URL
    /// Where `stop()` puts the received-audio recording.
    public let recording: URL

    private let process: Process
    private var control: BaresipControl?
    private var stopped = false
    private var finalLog: String?
    /// The name sndfile gave the received-audio file that `stop()` moved to `recording` (see `recordingMark()`).
    private(set) var recordedFileName: String?
    private var ownedFiles = [URL]()
    /// Index of the first event of the current call attempt: the waits look only from here, so a second call in one
    /// instance does not find the first call's events.
    private var eventMark = 0

    /// Writes a configuration and starts baresip; returns once its control port answers.
    /// - Parameters:
    ///   - user: the account's user part.
    ///   - codecs: which audio codecs to offer and accept.
    ///   - srtp: SDES-SRTP mandatory (`mediaenc=srtp-mand`).
    ///   - microphone: a 16-bit PCM WAV file to play as the microphone; it must last longer than the call.
    ///   - recording: where `stop()` leaves the WAV of what this phone received.
    ///   - autoAnswer: answer incoming calls at once.
    ///   - lifetime: seconds after which baresip quits by itself (`-t`), a backstop for a crashed test.
    ///   - tls: SIP over TLS: the CA file to trust (`sip_cafile`) and baresip's own certificate and key in one PEM
    ///     (`sip_certificate`, for its TLS listener on `sipPort + 1`). Calls to `;transport=tls` URIs then use TLS.
    ///   - video: offer and accept VP8 video from a generated picture (see the notes above).
    public init(
        user: String, codecs: BaresipCodecs = .any, srtp: Bool = false, microphone: URL, recording: URL,
        autoAnswer: Bool = true, lifetime: Int = 120, tls: (caFile: String, certificate: String)? = nil, video: Bool = false
    ) throws {
        guard let executable = tool("baresip") else {
            throw BaresipError(reason: "baresip is not installed (make deps installs baresip-core)")
        }
        let tone = try WAVFile.read(microphone)
        let base = freePortBlock(count: Self.portsPerInstance)
        guard base > 0 else { throw BaresipError(reason: "no block of \(Self.portsPerInstance) free loopback ports") }
        self.user = user
        self.sipPort = base
        self.controlPort = base + 2
        self.rtpPorts = (base + 4)...(base + Self.portsPerInstance - 1)
        self.recording = recording
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("consort-baresip-\(user)-\(UUID().uuidString)")
        let recordings = directory.appendingPathComponent("recordings")
        try FileManager.default.createDirectory(at: recordings, withIntermediateDirectories: true)

        let codecModules = ["opus.so", "g711.so"] + (video ? ["vp8.so", "fakevideo.so"] : [])
        let videoConfig = video ? "video_source fakevideo,nil\nvideo_display fakevideo,nil\nvideo_size 320x240\nvideo_bitrate 300000\nvideo_fps 15" : ""
        let config = """
            poll_method epoll
            sip_listen 127.0.0.1:\(sipPort)
            net_interface 127.0.0.1
            call_local_timeout 30
            call_max_calls 4
            audio_player alsa,null
            audio_alert alsa,null
            audio_source aufile,\(microphone.path)
            ausrc_srate \(tone.sampleRate)
            ausrc_channels \(tone.channels)
            rtp_ports \(rtpPorts.lowerBound)-\(rtpPorts.upperBound)
            rtcp_mux no
            jitter_buffer_delay 5-10
            statmode_default off
            module_path /usr/lib/baresip/modules
            \(codecModules.map { "module \($0)" }.joined(separator: "\n"))
            module srtp.so
            module sndfile.so
            module aufile.so
            module alsa.so
            module_tmp account.so
            module_app menu.so
            module_app ctrl_tcp.so
            ctrl_tcp_listen 127.0.0.1:\(controlPort)
            snd_path \(recordings.path)
            \(tls.map { "sip_cafile \($0.caFile)\nsip_certificate \($0.certificate)" } ?? "")
            \(videoConfig)

            """
        var account = "<sip:\(user)@127.0.0.1:\(sipPort)>;regint=0;answermode=\(autoAnswer ? "auto" : "manual")"
        if let list = codecs.accountParameter { account += ";audio_codecs=\(list)" }
        if srtp { account += ";mediaenc=srtp-mand" }
        if video { account += ";video_codecs=vp8" }
        try config.write(to: directory.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        try (account + "\n").write(to: directory.appendingPathComponent("accounts"), atomically: true, encoding: .utf8)
        try "".write(to: directory.appendingPathComponent("contacts"), atomically: true, encoding: .utf8)

        let logURL = directory.appendingPathComponent("baresip.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-4", "-f", directory.path, "-t", String(lifetime)]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try? log.close()
        do {
            let running = process
            control = try BaresipControl(port: controlPort, until: Date().addingTimeInterval(10)) { running.isRunning }
        } catch {
            stop()
            throw BaresipError(reason: "\(error); log:\n\(tail(of: logText))")
        }
    }

    deinit { stop() }

    /// Every event baresip has reported so far (read while the harness waits on it).
    public var events: [BaresipEvent] {
        control?.drain()
        return control?.events ?? []
    }

    /// Calls `uri` (e.g. another instance's `uri`, or `sip:<meeting>@127.0.0.1:<port>` on a conference server).
    public func dial(_ uri: String) throws {
        let control = try connectedControl()
        control.drain()
        eventMark = control.events.count
        try control.command("dial", uri)
    }

    /// Answers the ringing call (for `autoAnswer: false`).
    public func accept() throws {
        try connectedControl().command("accept")
    }

    /// Puts the current call on hold (a re-INVITE with a=sendonly).
    public func hold() throws {
        try connectedControl().command("hold")
    }

    /// Takes the current call off hold (a re-INVITE with a=sendrecv).
    public func resume() throws {
        try connectedControl().command("resume")
    }

    /// Hangs up the current call.
    public func hangup() throws {
        try connectedControl().command("hangup")
    }

    /// Waits until a call is established (CALL_ESTABLISHED); throws with the log's tail when it closes or times out.
    @discardableResult
    public func waitUntilEstablished(timeout: TimeInterval = 10) throws -> BaresipEvent {
        let control = try connectedControl()
        let event = control.waitForEvent(from: eventMark, until: Date().addingTimeInterval(timeout)) {
            $0.type == "CALL_ESTABLISHED" || $0.type == "CALL_CLOSED"
        }
        guard let event, event.type == "CALL_ESTABLISHED" else {
            throw BaresipError(reason: "\(user): no call established (\(event.map { "\($0)" } ?? "timed out")); log:\n\(tail(of: logText))")
        }
        return event
    }

    /// Waits until a call has closed (CALL_CLOSED); returns false on time-out.
    @discardableResult
    public func waitUntilClosed(timeout: TimeInterval = 5) -> Bool {
        guard let control else { return false }
        return control.waitForEvent(from: eventMark, until: Date().addingTimeInterval(timeout)) { $0.type == "CALL_CLOSED" } != nil
    }

    /// Stops baresip (idempotent, at most about 7 s): `quit` over ctrl_tcp, then SIGTERM after 3 s, then SIGKILL after 2 s
    /// more. Then moves the received-audio recording to `recording` and removes the folder (kept when the environment
    /// has CONSORT_KEEP_BARESIP=1; its path is then printed).
    public func stop() {
        guard !stopped else { return }
        stopped = true
        if process.isRunning, let control { _ = try? control.command("quit", timeout: 2) }
        control?.close()
        control = nil
        waitForExit(seconds: 3)
        if process.isRunning { process.terminate() }
        waitForExit(seconds: 2)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        if process.processIdentifier > 0 { process.waitUntilExit() }
        if let received = newestRecording(suffix: "-dec.wav") {
            try? FileManager.default.removeItem(at: recording)
            try? FileManager.default.moveItem(at: received, to: recording)
            recordedFileName = received.lastPathComponent
        }
        finalLog = readLog()
        for file in ownedFiles { try? FileManager.default.removeItem(at: file) }
        if ProcessInfo.processInfo.environment["CONSORT_KEEP_BARESIP"] == "1" {
            print("baresip \(user): kept \(directory.path)")
        } else {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// baresip's output so far (or its whole output once stopped), for diagnostics.
    public var logText: String { finalLog ?? readLog() }

    /// The decoder baresip set for the last call, from its log (e.g. "opus 48000Hz 2ch", "PCMU 8000Hz 1ch"), or nil.
    public var audioDecoder: String? {
        logText.split(separator: "\n").last { $0.hasPrefix("audio: Set audio decoder: ") }
            .map { String($0.dropFirst("audio: Set audio decoder: ".count)) }
    }

    /// Whether the srtp module reported SDES-SRTP running ("srtp: audio: SRTP is Enabled (cryptosuite=…)").
    public var srtpEnabled: Bool { logText.contains("SRTP is Enabled") }

    /// Whether decoded video arrived in this instance's calls (baresip's "video: receiving with resolution" line).
    public var receivedVideo: Bool { logText.contains("video: receiving with resolution") }

    /// Whether a received-audio recording exists (after `stop()`). sndfile opens its file on the first decoded frame,
    /// so a phone that received no RTP at all has none: a test that expects silence should accept that too.
    public var receivedAnything: Bool { FileManager.default.fileExists(atPath: recording.path) }

    /// The received audio (after `stop()`).
    public func receivedAudio() throws -> PCMRecording {
        guard FileManager.default.fileExists(atPath: recording.path) else {
            throw BaresipError(reason: "\(user) recorded nothing (no -dec.wav from sndfile); log:\n\(tail(of: logText))")
        }
        return try WAVFile.read(recording)
    }

    /// The candidate tones' levels in the received audio (after `stop()`), skipping its first `skipSeconds`.
    public func receivedLevels(candidates: [Double], skipSeconds: Double = 1) throws -> ToneLevels {
        ToneAnalysis.levels(in: try receivedAudio(), candidates: candidates, skipSeconds: skipSeconds)
    }

    private func connectedControl() throws -> BaresipControl {
        guard let control, process.isRunning else {
            throw BaresipError(reason: "baresip \(user) is not running; log:\n\(tail(of: logText))")
        }
        return control
    }

    private func waitForExit(seconds: TimeInterval) {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
    }

    func newestRecording(suffix: String) -> URL? {
        let folder = directory.appendingPathComponent("recordings")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        // The names embed a seconds timestamp; among equal names-but-for-suffix the sort keeps the order baresip wrote.
        return names.filter { $0.hasSuffix(suffix) }.sorted().last.map { folder.appendingPathComponent($0) }
    }

    private func readLog() -> String {
        (try? String(contentsOf: directory.appendingPathComponent("baresip.log"), encoding: .utf8)) ?? ""
    }

    private func tail(of text: String, lines: Int = 40) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

extension BaresipInstance {
    /// Starts an instance that plays a generated sine of `tone` Hz at `amplitude` (0.3: -10.5 dBFS; 0: silence), 48 kHz mono, for
    /// `toneSeconds` (written to a temporary file that `stop()` removes). The call closes when the tone ends (aufile's
    /// end of file), so `toneSeconds` must outlast the call.
    public convenience init(
        user: String, tone: Double, codecs: BaresipCodecs = .any, srtp: Bool = false, recording: URL,
        autoAnswer: Bool = true, toneSeconds: Double = 60, lifetime: Int = 120, tls: (caFile: String, certificate: String)? = nil,
        amplitude: Double = 0.3, video: Bool = false
    ) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("consort-tone-\(user)-\(UUID().uuidString).wav")
        try WAVFile.writeTone(to: file, frequency: tone, amplitude: amplitude, seconds: toneSeconds)
        do {
            try self.init(
                user: user, codecs: codecs, srtp: srtp, microphone: file, recording: recording, autoAnswer: autoAnswer,
                lifetime: lifetime, tls: tls, video: video)
        } catch {
            try? FileManager.default.removeItem(at: file)
            throw error
        }
        ownedFiles.append(file)  // aufile opens it only when a call starts; stop() removes it
    }
}
