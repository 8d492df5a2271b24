/// The handlers' work: each new request's handler runs as a child task of ``SIPUserAgent/run()``, so the lifecycle
/// that runs the agent owns every handler and ends them when the agent stops. A request that arrives while nobody runs
/// the agent waits in the queue (unbounded in jobs, bounded by the stack's per-source and total limits on requests).
final class SIPHandlerWork: Sendable {
    typealias Job = @Sendable () async -> Void

    private let continuation: AsyncStream<Job>.Continuation
    private let stream: AsyncStream<Job>

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .unbounded)
    }

    /// Queues a handler; false once the agent has stopped (the job will not run).
    @discardableResult
    func start(_ job: @escaping Job) -> Bool {
        if case .terminated = continuation.yield(job) { return false }
        return true
    }

    /// Runs every queued handler, each as a child task, until ``finish()``; then waits for the running ones.
    func run() async {
        await withDiscardingTaskGroup { group in
            for await job in stream {
                group.addTask { await job() }
            }
        }
    }

    /// No more handlers: `run()` returns once the running ones end.
    func finish() { continuation.finish() }
}
