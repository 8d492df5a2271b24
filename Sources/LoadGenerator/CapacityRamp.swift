public import Logging
import NIOPosix
import SIP

/// `consort loadgen --find-capacity`: adds meetings of `participants` to a server (or a pool's focus) step by step while
/// every earlier call keeps sending, and judges each step by what the receivers saw in a window after it settled —
/// frames that arrived late (``ParticipantStatistics/lateFrameNanoseconds`` behind schedule) and packets lost. The
/// first step whose late or lost share passes the threshold, or whose calls the server refused, ends the ramp; the
/// size before it is the capacity.
public struct CapacityRamp: Sendable {
    /// The load's shape: `participants` per meeting, `talkers`, `sourceAddresses`, target; `conferences` caps the ramp.
    public let options: LoadGeneratorOptions
    /// How the ramp proceeds.
    public let ramp: CapacityRampOptions
    private let logger: Logger

    /// A ramp; `progress` hears a line once a second (calls up, packets/s, loss, late).
    public init(options: LoadGeneratorOptions, ramp: CapacityRampOptions, logger: Logger) {
        self.options = options
        self.ramp = ramp
        var logger = logger
        logger[metadataKey: "subsystem"] = "loadgen"
        self.logger = logger
    }

    /// Ramps until a step fails or `options.conferences` meetings are up, then hangs every call up and reports.
    /// `progress` is called once a second from the pacer's thread.
    public func run(progress: (@Sendable (CapacityProgress) -> Void)? = nil) async throws -> CapacityReport {
        if let problem = options.validationProblem() ?? ramp.validationProblem() { throw LoadGeneratorError(problem) }
        guard options.mode == .sip else { throw LoadGeneratorError("--find-capacity drives SIP calls only") }
        var sampler: ServerCPUSampler?
        if let pid = options.serverPID {
            guard let s = ServerCPUSampler(pid: pid) else { throw LoadGeneratorError("no process \(pid) to sample (/proc/\(pid)/stat)") }
            sampler = s
        }
        let generator = LoadGenerator(options: options, logger: logger)
        let clips = try generator.makeClips()
        let dialogs = LoadCallDialogs()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        let agents = try await generator.startAgents(Set(options.sourceAddresses), dialogs: dialogs, group: group)
        let seconds = CapacitySeconds()
        let pacer = MediaPacer(participants: [], seconds: 3_600, sampler: nil, warmup: 0, window: 1, repeats: 1)
        let stepNumber = StepCounter()
        pacer.onSecond = { second in
            let previous = seconds.record(second)
            guard let progress, let previous else { return }
            progress(CapacityProgress(second, previous: previous, step: stepNumber.value))
        }
        // The pacer and the agents' handlers (re-INVITEs) run as child tasks for the whole ramp.
        async let pacing: Void = withTaskCancellationHandler { await pacer.run() } onCancel: { pacer.stop() }
        let running = Array(agents.values)
        async let agentWork: Void = LoadGenerator.run(running)

        var calls: [SIPOutgoingCall] = []
        var steps: [CapacityStep] = []
        var lastGood: CapacityStep?
        var stopReason = "reached --conferences \(options.conferences) meetings"
        var meetings = 0
        let perStep = max(1, (ramp.stepParticipants + options.participants / 2) / options.participants)
        while meetings < options.conferences, !Task.isCancelled {
            let adding = min(perStep, options.conferences - meetings)
            stepNumber.value = steps.count + 1
            let joining = try generator.makeParticipants(conferences: meetings..<meetings + adding, clips: clips)
            let (placed, failures) = await generator.placeCalls(joining, agents: agents, dialogs: dialogs)
            calls += placed.values
            meetings += adding
            pacer.add(joining.filter(\.hasDestination))
            try? await Task.sleep(for: .milliseconds(Int(ramp.settleSeconds * 1_000)))
            var step = await measure(meetings: meetings, callsFailed: failures.count, seconds: seconds, sampler: sampler)
            // A step over the threshold is measured once more: on a shared machine one window can fall on a neighbour's
            // burst; the ramp ends only when the second window fails too.
            if failures.isEmpty, step.fails(ramp.threshold), ramp.confirm {
                logger.info("capacity step over the threshold: measuring again", metadata: ["participants": "\(step.participants)"])
                steps.append(step)
                step = await measure(meetings: meetings, callsFailed: 0, seconds: seconds, sampler: sampler)
                step.remeasured = true
            }
            steps.append(step)
            logger.info("capacity step", metadata: ["participants": "\(step.participants)", "late": "\(step.lateShare)", "lost": "\(step.lossShare)"])
            if !failures.isEmpty {
                stopReason = "the server refused \(failures.count) calls at \(meetings * options.participants): \(failures.first ?? "")"
                break
            }
            if step.fails(ramp.threshold) {
                stopReason = String(
                    format: "%.2f %% late, %.2f %% lost at %d participants (threshold %.2f %%)", step.lateShare * 100,
                    step.lossShare * 100, step.participants, ramp.threshold * 100)
                break
            }
            lastGood = step
        }
        pacer.stop()
        await pacing
        let hangups = await generator.hangUp(calls)
        for agent in agents.values { await agent.stop() }
        await agentWork
        return CapacityReport(
            target: "\(options.targetHost):\(options.targetPort)", participantsPerMeeting: options.participants,
            talkers: min(options.talkers, options.participants), threshold: ramp.threshold, steps: steps, lastGood: lastGood,
            stopReason: stopReason, lateTicks: pacer.lateTicks, ticks: pacer.ticksRun, hangups: hangups,
            callsLost: dialogs.lost.count)
    }
}

extension CapacityRamp {
    /// One window of `stepSeconds`, from a pacer second to a later one, with the server's CPU over it.
    func measure(meetings: Int, callsFailed: Int, seconds: CapacitySeconds, sampler: ServerCPUSampler?) async -> CapacityStep {
        let start = await seconds.next()
        let cpuStart = sampler?.cpuSeconds()
        // The window ends at the pacer's second that follows: wake half a second before it.
        try? await Task.sleep(for: .milliseconds(Int((ramp.stepSeconds - 0.5) * 1_000)))
        let end = await seconds.next()
        let cpuEnd = sampler?.cpuSeconds()
        var step = CapacityStep(meetings: meetings, participants: end.participants, callsFailed: callsFailed, start: start, end: end)
        if let cpuStart, let cpuEnd, end.at > start.at {
            step.serverCores = (cpuEnd - cpuStart) / (Double(end.at - start.at) / 1e9)
        }
        return step
    }
}

/// How `--find-capacity` ramps.
public struct CapacityRampOptions: Sendable {
    /// The largest share (0–1) of frames late or packets lost at the receivers that still counts as good: 0.005.
    public var threshold = 0.005
    /// Participants added per step (rounded to whole meetings, at least one): 50.
    public var stepParticipants = 50
    /// Seconds after a step's calls are up before its window starts (new calls' first packets settle): 2.
    public var settleSeconds = 2.0
    /// Seconds of each step's measuring window (whole pacer seconds): 5.
    public var stepSeconds = 5.0
    /// Measure a step over the threshold once more before ending the ramp: true.
    public var confirm = true

    /// Defaults.
    public init() {}

    /// Why these cannot run, or nil.
    public func validationProblem() -> String? {
        if !(threshold > 0 && threshold < 1) { return "--threshold must be a share between 0 and 1 (0.005 is 0.5 %)" }
        if !(1...2_000).contains(stepParticipants) { return "--step-participants must be 1-2000" }
        if !(settleSeconds >= 0 && settleSeconds <= 60) { return "--settle must be 0-60 s" }
        if !(stepSeconds >= 1 && stepSeconds <= 600) { return "--step-seconds must be 1-600 s" }
        return nil
    }
}
