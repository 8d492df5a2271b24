@testable import Focus
import Synchronization
import Testing

/// SerialWork, the focus's order per conference (its MCU placement and its events), at the moment the focus's work
/// stops: that is when drops of failed dial-outs, cancelled out of their 5 s display, all take their conference off the
/// MCU at once.
@Suite("SerialWork while the focus's work stops", .timeLimit(.minutes(1)))
struct SerialWorkTests {
    /// Completions seen so far.
    final class Count: Sendable {
        private let value = Mutex(0)
        func add() { value.withLock { $0 += 1 } }
        var current: Int { value.withLock { $0 } }
    }

    @Test("every perform on one key returns after the work has finished: none is queued behind a drainer that never starts")
    func performAfterFinish() async {
        let rounds = 500, performers = 16
        var stuck = 0
        for _ in 0..<rounds {
            let work = FocusWork(time: .system)
            let running = Task { await work.run() }
            let serial = SerialWork<Int>(work: work)
            work.finish()
            let done = Count()
            // Unstructured on purpose: a lost job leaves its waiter suspended for good, and a task group would then never
            // return (nor could the time limit end it); this way the test sees the loss and reports it.
            for _ in 0..<performers {
                Task {
                    _ = await serial.perform(1) { 1 }
                    done.add()
                }
            }
            if !(await eventually(timeout: .seconds(2)) { done.current == performers }) { stuck += 1 }
            await running.value
        }
        #expect(stuck == 0, "rounds where a perform never returned: \(stuck) of \(rounds)")
    }
}
