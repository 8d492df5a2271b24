import Synchronization

/// Work the focus does beside answering requests — sending a BYE without waiting for its answer, a re-INVITE, a
/// timer with a purpose (PIN, lobby, empty conference), the MCU's events — runs as child tasks of ``Focus/run()``, so
/// the lifecycle that runs the focus owns them and ends them at shutdown. Nothing here is a loose task.
final class FocusWork: Sendable {
    typealias Job = @Sendable () async -> Void

    private let continuation: AsyncStream<Job>.Continuation
    private let stream: AsyncStream<Job>
    /// What the timers sleep on.
    let time: FocusTimeSource

    init(time: FocusTimeSource) {
        self.time = time
        (stream, continuation) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .unbounded)
    }

    /// Starts `job` as a child of `run()`; callable from anywhere, never waits. False when the work has been
    /// finished (the focus is stopping): the job will not run.
    @discardableResult
    func start(_ job: @escaping Job) -> Bool {
        if case .terminated = continuation.yield(job) { return false }
        return true
    }

    /// Runs every job started until ``finish()``; then waits for the running ones (their peers' waits are bounded).
    func run() async {
        await withDiscardingTaskGroup { group in
            for await job in stream {
                group.addTask { await job() }
            }
            group.cancelAll()
        }
    }

    /// No more jobs: `run()` cancels the running ones (timers) and returns once they end.
    func finish() {
        continuation.finish()
    }

    /// A timer with a purpose, on the focus's time source: true after `seconds`, false when the work was cancelled
    /// (shutdown) first.
    func sleep(seconds: Double) async -> Bool {
        do {
            try await time.sleep(.milliseconds(Int(seconds * 1_000)))
            return !Task.isCancelled
        } catch {
            return false
        }
    }
}

/// Jobs run one at a time in order per key (a conference's events), while different keys run at once: one
/// conference waiting on a peer never delays another. A key's drainer exists only while it has work, and a key is in
/// the table only while its drainer is started: a job queued behind it always runs.
final class SerialWork<Key: Hashable & Sendable>: Sendable {
    typealias Job = @Sendable () async -> Void

    /// Present keys have a running drainer; their queued jobs in order.
    private let queues = Mutex<[Key: [Job]]>([:])
    private let work: FocusWork

    init(work: FocusWork) { self.work = work }

    /// Queues `job` behind the key's earlier ones. False when the work is stopping and the key has no drainer: the
    /// job will not run.
    @discardableResult
    func enqueue(_ key: Key, _ job: @escaping Job) -> Bool {
        queues.withLock { table -> Bool in
            if table[key] != nil {
                table[key, default: []].append(job)
                return true
            }
            // The drainer starts under the lock (starting one only hands it to run()), so no job can be queued for the
            // key between a failed start and the key's removal, and then be lost with its waiter.
            guard work.start({ await self.drain(key) }) else { return false }
            table[key] = [job]
            return true
        }
    }

    /// Runs `body` in the key's order and returns its result: no other job of the key runs meanwhile. When the work
    /// is stopping, `body` runs at once.
    func perform<T: Sendable>(_ key: Key, _ body: @escaping @Sendable () async -> T) async -> T {
        let box = ResultBox<T>()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            box.arm(continuation)
            if !enqueue(key, { box.set(await body()) }) { box.abandon() }
        }
        if let value = box.value { return value }
        return await body()
    }

    /// Jobs queued or running for `key` (0 when idle).
    func pending(_ key: Key) -> Int { queues.withLock { $0[key]?.count ?? 0 } }

    private func drain(_ key: Key) async {
        while let job = next(key) { await job() }
    }

    private func next(_ key: Key) -> Job? {
        queues.withLock { table in
            guard var queue = table[key], !queue.isEmpty else {
                table[key] = nil
                return nil
            }
            let job = queue.removeFirst()
            table[key] = queue
            return job
        }
    }
}

/// Carries a result out of a queued job to the task that waits for it.
private final class ResultBox<T: Sendable>: Sendable {
    private let state = Mutex<(value: T?, done: Bool, continuation: CheckedContinuation<Void, Never>?)>((nil, false, nil))

    var value: T? { state.withLock { $0.value } }

    func arm(_ continuation: CheckedContinuation<Void, Never>) {
        let resumeNow = state.withLock { s -> Bool in
            if s.done { return true }
            s.continuation = continuation
            return false
        }
        if resumeNow { continuation.resume() }
    }

    func set(_ value: T) { finish(value) }

    /// The job will never run: the waiter runs the body itself.
    func abandon() { finish(nil) }

    private func finish(_ value: T?) {
        let continuation = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard !s.done else { return nil }
            s.done = true
            s.value = value
            defer { s.continuation = nil }
            return s.continuation
        }
        continuation?.resume()
    }
}
