import MCUControl
import Synchronization

/// Carries events from the media loops to the focus's handler: a loop only appends to an unbounded stream (it never
/// waits, and only an event costs anything), and one task calls the handler with each event in order, off the loops.
final class MCUEventDispatcher: Sendable {
    private final class HandlerBox: Sendable {
        let handler = Mutex<(@Sendable (MCUEvent) -> Void)?>(nil)
    }

    private let continuation: AsyncStream<MCUEvent>.Continuation
    private let box: HandlerBox
    private let task: Task<Void, Never>

    init() {
        let (stream, continuation) = AsyncStream.makeStream(of: MCUEvent.self, bufferingPolicy: .unbounded)
        self.continuation = continuation
        let box = HandlerBox()
        self.box = box
        task = Task {
            for await event in stream {
                box.handler.withLock { $0 }?(event)
            }
        }
    }

    /// Replaces the handler (nil drops events).
    func setHandler(_ handler: (@Sendable (MCUEvent) -> Void)?) {
        box.handler.withLock { $0 = handler }
    }

    /// Queues an event; callable from any thread, never blocks.
    func send(_ event: MCUEvent) {
        continuation.yield(event)
    }

    /// Delivers what is queued, then stops.
    func finish() async {
        continuation.finish()
        await task.value
    }

    /// The sink for one endpoint's events.
    func sink(conference: ConferenceID, endpoint: EndpointID) -> EndpointEventSink {
        EndpointEventSink(conference: conference, endpoint: endpoint, continuation: continuation)
    }
}

/// Where one endpoint reports its events, from its conference's loop.
struct EndpointEventSink: Sendable {
    let conference: ConferenceID
    let endpoint: EndpointID
    let continuation: AsyncStream<MCUEvent>.Continuation

    func dtmf(_ digit: Character) {
        continuation.yield(.dtmf(conference, endpoint, digit: String(digit)))
    }

    func mediaTimeout(seconds: Int) {
        continuation.yield(.mediaTimeout(conference, endpoint, seconds: seconds))
    }

    func selfMute(_ muted: Bool) {
        continuation.yield(.selfMute(conference, endpoint, muted: muted))
    }

    func announcementFinished(_ prompt: String) {
        continuation.yield(.announcementFinished(conference, endpoint, prompt: prompt))
    }
}
