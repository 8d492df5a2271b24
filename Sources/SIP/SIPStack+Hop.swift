import NIOCore

/// How code off the loop reaches the stack. Every hop passes the gate, so once the user agent has stopped a call fails
/// with `.notRunning` at once. Without it a call made during or after `stop()` could wait for good: NIO drops work
/// handed to a loop that has shut down, and a future awaited from off the loop needs its loop to deliver the result.
/// Results are therefore handed over on the loop itself.
extension SIPStack {
    /// Runs `body` on the loop and returns its result.
    func onLoop<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            if !enter({ continuation.resume(with: Result { try body() }) }) { continuation.resume(throwing: Self.stoppedError) }
        }
    }

    /// Runs `body` on the loop and waits for the future it returns (a client transaction's final response: `stop()`
    /// fails every pending one, so this returns).
    func onLoopAwaiting<T: Sendable>(_ body: @escaping @Sendable () throws -> EventLoopFuture<T>) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let entered = enter {
                do {
                    try body().whenComplete { continuation.resume(with: $0) }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            if !entered { continuation.resume(throwing: Self.stoppedError) }
        }
    }

    /// Runs `body` on the loop without waiting for it; nothing once stopped.
    func executeIfRunning(_ body: @escaping @Sendable () -> Void) { _ = enter(body) }

    /// Closes the gate for good: what was handed to the loop before runs, nothing after. False when it was closed.
    func closeGate() -> Bool {
        gate.withLock { open in
            defer { open = false }
            return open
        }
    }

    /// Hands `job` to the loop while the gate is open. Under the lock, so `stop()` cannot close the gate and end the
    /// loop between the check and the hand-over.
    private func enter(_ job: @escaping @Sendable () -> Void) -> Bool {
        gate.withLock { open in
            guard open else { return false }
            eventLoop.execute(job)
            return true
        }
    }

    private static var stoppedError: SIPError { SIPError(.notRunning, "the SIP user agent has stopped") }
}
