import Foundation
public import Logging
import MediaBench
import NIOPosix
import OpusCodec
import SIP

#if canImport(Glibc)
import Glibc
#endif

/// Places P participants in each of M meetings on a server on loopback, sends each one's speech-like Opus (or room
/// noise) at 50 packets/s from its own socket, counts what comes back, optionally samples the server's CPU, then hangs
/// up. Bounded in time: calls have a setup limit, media runs for a fixed number of ticks, hang-ups have a limit.
public struct LoadGenerator: Sendable {
    /// The run's options.
    public let options: LoadGeneratorOptions
    private let logger: Logger

    /// A generator; `logger` receives progress at info and per-call failures at debug.
    public init(options: LoadGeneratorOptions, logger: Logger) {
        self.options = options
        var logger = logger
        logger[metadataKey: "subsystem"] = "loadgen"
        self.logger = logger
    }

    /// Runs once and reports. Throws only when the run cannot start (bad options, no sockets, no such process).
    public func run() async throws -> LoadReport {
        if let problem = options.validationProblem() { throw LoadGeneratorError(problem) }
        var sampler: ServerCPUSampler?
        if let pid = options.serverPID {
            guard let s = ServerCPUSampler(pid: pid) else { throw LoadGeneratorError("no process \(pid) to sample (/proc/\(pid)/stat)") }
            sampler = s
        }
        logger.info("encoding the synthetic speech clips")
        let participants = try makeParticipants(conferences: 0..<options.conferences, clips: try makeClips())

        let setupStart = MediaPacer.now()
        var calls: [Int: SIPOutgoingCall] = [:]
        var failures: [String] = []
        var agents: [String: SIPUserAgent] = [:]
        let dialogs = LoadCallDialogs()
        var janus: JanusAudioBridge?
        // Every source address gets its own user agent, all on one event loop.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        switch options.mode {
        case .sip:
            agents = try await startAgents(Set(participants.map(\.localAddress)), dialogs: dialogs, group: group)
            (calls, failures) = await placeCalls(participants, agents: agents, dialogs: dialogs)
        case .janusAudioBridge:
            let bridge = JanusAudioBridge(options: options)
            janus = bridge
            failures = joinJanus(participants, bridge: bridge)
        }
        let setupSeconds = Double(MediaPacer.now() - setupStart) / 1e9
        // The agents' handlers (re-INVITEs from the focus) run here until the agents stop; one queued during call setup
        // waits for this.
        let running = Array(agents.values)
        async let agentWork: Void = Self.run(running)
        let live = participants.filter(\.hasDestination)
        logger.info("calls set up", metadata: ["ok": "\(live.count)", "failed": "\(failures.count)"])

        let clockStart = (monotonic: MediaPacer.now(), wall: Date().timeIntervalSince1970)
        let pacer = MediaPacer(
            participants: live, seconds: options.mediaSeconds, sampler: sampler, warmup: options.warmup,
            window: options.window, repeats: options.repeats)
        if !live.isEmpty {
            await withTaskCancellationHandler {
                await pacer.run()
            } onCancel: {
                pacer.stop()
            }
        }

        var hangups = 0
        if !agents.isEmpty {
            hangups = await hangUp(Array(calls.values))
            for agent in agents.values { await agent.stop() }
        }
        await agentWork
        if let janus {
            janus.tearDown()
            hangups = live.count
        }

        let stats = participants.map(\.statistics)
        let windows = pacer.windows
        var report = LoadReport(
            mode: options.mode == .sip ? "sip" : "janus", target: "\(options.targetHost):\(options.targetPort)",
            participants: options.participants, conferences: options.conferences, talkers: min(options.talkers, options.participants),
            callsAttempted: participants.count, callsSetUp: live.count, callsFailed: participants.count - live.count,
            failureReasons: Array(failures.prefix(5)), setupSeconds: setupSeconds, mediaSeconds: Double(pacer.ticksRun) / 50,
            media: stats.reduce(ParticipantStatistics(), +),
            participantsWithoutMedia: live.filter { $0.statistics.packetsReceived == 0 }.count,
            ticks: pacer.ticksRun, lateTicks: pacer.lateTicks,
            maxTickLatenessMilliseconds: Double(pacer.maxLatenessNanoseconds) / 1e6, hangups: hangups,
            serverPID: options.serverPID, windows: windows,
            medianCPUMillisecondsPerParticipantSecond: LoadReport.median(windows.map(\.cpuMillisecondsPerParticipantSecond)))
        let lost = dialogs.lost
        report.callsLost = lost.count
        report.lostReasons = lost.prefix(5).map { "\($0.participant): \($0.reason)" }
        let wall = { (t: UInt64) -> Double? in
            t == 0 ? nil : clockStart.wall + (Double(t) - Double(clockStart.monotonic)) / 1e9
        }
        report.participantsSilentAtEnd = live.filter { $0.timeline.lastPacketAt + 1_000_000_000 < pacer.lastTickAt }.count
        report.participantsReinvited = live.filter { $0.statistics.reinvites > 0 }.count
        report.reinviteToMediaMilliseconds = LoadReport.Spread(live.flatMap { $0.timeline.reinviteToMedia.map { Double($0) / 1e6 } })
        report.longestGapMilliseconds = LoadReport.Spread(live.map { Double($0.timeline.longestGap) / 1e6 })
        if options.reportGaps {
            report.perParticipant = live.map { p in
                LoadReport.ParticipantOutcome(
                    name: p.name, packetsReceived: p.statistics.packetsReceived, reinvites: p.statistics.reinvites,
                    reinviteToMediaMilliseconds: p.timeline.reinviteToMedia.map { Double($0) / 1e6 },
                    longestGapMilliseconds: Double(p.timeline.longestGap) / 1e6, longestGapEndedAt: wall(p.timeline.longestGapEndedAt),
                    lastPacketAt: wall(p.timeline.lastPacketAt))
            }
        }
        return report
    }

    /// The clips (T voices, 4 room noises, 15 s each, encoded once like a phone would: complexity 10, FEC).
    func makeClips() throws -> LoadClips {
        let frames = 750
        let input = OpusEncoderSettings(bitrate: 32_000, complexity: 10, inbandFEC: true, dtx: false, expectedLossPercent: 5)
        let talkers = min(options.talkers, options.participants)
        var voices: [EncodedClip] = []
        for t in 0..<max(1, talkers) {
            voices.append(try EncodedClip(source: SyntheticSpeech(seed: UInt64(t + 1)), frames: frames, settings: input))
        }
        var rooms: [EncodedClip] = []
        for r in 0..<4 {
            rooms.append(try EncodedClip(source: .silence(seed: UInt64(100 + r)), frames: frames, settings: input))
        }
        return LoadClips(voices: voices, rooms: rooms, frames: frames)
    }

    /// One participant per seat of `conferences`, each starting at its own offset in its clip.
    func makeParticipants(conferences: Range<Int>, clips: LoadClips) throws -> [LoadParticipant] {
        let talkers = min(options.talkers, options.participants)
        var result: [LoadParticipant] = []
        for c in conferences {
            for p in 0..<options.participants {
                let clip = p < talkers ? clips.voices[p % clips.voices.count] : clips.rooms[p % clips.rooms.count]
                let seat = c * options.participants + p
                let address = options.sourceAddresses[seat % options.sourceAddresses.count]
                result.append(try LoadParticipant(
                    name: "\(meetingName(c))/\(p + 1)", conference: c, seat: seat, clip: clip, offset: (c * 37 + p * 53) % clips.frames,
                    ssrc: UInt32(0x10_0000 + c * 1_000 + p), audioLevels: options.audioLevels, address: address))
            }
        }
        return result
    }

    /// A SIP user agent on each source address, all on `group`'s loop, answering re-INVITEs through `dialogs`.
    func startAgents(
        _ addresses: Set<String>, dialogs: LoadCallDialogs, group: MultiThreadedEventLoopGroup
    ) async throws -> [String: SIPUserAgent] {
        var agents: [String: SIPUserAgent] = [:]
        for address in addresses.sorted() {
            var configuration = SIPConfiguration()
            configuration.address = address
            configuration.port = 0
            configuration.tcp = false
            configuration.userAgent = "consort-loadgen"
            let ua = SIPUserAgent(configuration: configuration, logger: logger, eventLoop: group.next())
            await ua.setHandler(.invite) { await dialogs.answer($0) }
            await ua.onDialogTerminated { dialogs.ended($0, reason: $1) }
            do {
                try await ua.start()
            } catch {
                for started in agents.values { await started.stop() }
                throw error
            }
            agents[address] = ua
        }
        return agents
    }

    /// Runs the agents' request handlers, each agent as a child task, until they stop.
    static func run(_ agents: [SIPUserAgent]) async {
        await withDiscardingTaskGroup { group in
            for agent in agents { group.addTask { await agent.run() } }
        }
    }

    func meetingName(_ conference: Int) -> String { "\(options.meetingPrefix)\(conference + 1)" }

    func placeCalls(
        _ participants: [LoadParticipant], agents: [String: SIPUserAgent], dialogs: LoadCallDialogs
    ) async -> ([Int: SIPOutgoingCall], [String]) {
        var calls: [Int: SIPOutgoingCall] = [:]
        var failures: [String] = []
        // Indices are handed out in order; at most `setupConcurrency` INVITEs are in flight.
        await withTaskGroup(of: CallOutcome.self) { group in
            var nextIndex = 0
            var running = 0
            while nextIndex < participants.count || running > 0 {
                while running < options.setupConcurrency, nextIndex < participants.count {
                    let index = nextIndex
                    let participant = participants[index]
                    let meeting = meetingName(participant.conference)
                    let setup = agents[participant.localAddress].map { SIPCallSetup(agent: $0, options: options, dialogs: dialogs) }
                    group.addTask {
                        do {
                            guard let setup else { throw LoadGeneratorError("no user agent on \(participant.localAddress)") }
                            return CallOutcome(index: index, call: try await setup.call(participant, meeting: meeting, index: participant.seat), error: nil)
                        } catch {
                            return CallOutcome(index: index, call: nil, error: "\(error)")
                        }
                    }
                    nextIndex += 1
                    running += 1
                }
                guard let outcome = await group.next() else { break }
                running -= 1
                if let call = outcome.call {
                    calls[outcome.index] = call
                } else {
                    let name = participants[outcome.index].name
                    failures.append("\(name): \(outcome.error ?? "?")")
                    logger.debug("call failed", metadata: ["participant": "\(name)", "error": "\(outcome.error ?? "?")"])
                }
            }
        }
        return (calls, failures)
    }

    private func joinJanus(_ participants: [LoadParticipant], bridge: JanusAudioBridge) -> [String] {
        do {
            try bridge.createRooms()
        } catch {
            return participants.map { "\($0.name): \(error)" }
        }
        var failures: [String] = []
        for (i, p) in participants.enumerated() {
            do { try bridge.join(p, index: i) } catch { failures.append("\(p.name): \(error)") }
        }
        return failures
    }

    func hangUp(_ calls: [SIPOutgoingCall]) async -> Int {
        await withTaskGroup(of: Bool.self) { group in
            for call in calls {
                group.addTask { [logger] in
                    do {
                        let response = try await withTimeout(5) { try await call.dialog.bye() }
                        if (200..<300).contains(response.statusCode) { return true }
                        logger.warning("BYE answered \(response.statusCode) \(response.reason)")
                    } catch {
                        logger.warning("BYE failed: \(error)")
                    }
                    return false
                }
            }
            var ok = 0
            for await done in group where done { ok += 1 }
            return ok
        }
    }
}

/// One call's setup, as a task group's result.
private struct CallOutcome: Sendable {
    let index: Int
    let call: SIPOutgoingCall?
    let error: String?
}

/// The encoded clips participants replay: voices for talkers, room noise for the others.
struct LoadClips {
    let voices: [EncodedClip]
    let rooms: [EncodedClip]
    let frames: Int
}
