import MCUControl
import Synchronization

/// Carries events from the media loops to the focus's handler, called on the loop where the event happened: in order
/// for each conference (a conference lives on one loop), concurrently across loops. The handler must return at once —
/// every one in Consort queues the event (the focus's per-conference work, a gRPC Watch stream) — so no task is needed
/// between the loops and the handler, and a loop never waits for the focus.
final class MCUEventDispatcher: Sendable {
    private let handler = Mutex<(@Sendable (MCUEvent) -> Void)?>(nil)

    /// Replaces the handler (nil drops events).
    func setHandler(_ handler: (@Sendable (MCUEvent) -> Void)?) {
        self.handler.withLock { $0 = handler }
    }

    /// Hands an event to the handler; callable from any thread.
    func send(_ event: MCUEvent) {
        handler.withLock { $0 }?(event)
    }

    /// No more events (the MCU stopped).
    func finish() {
        setHandler(nil)
    }

    /// The sink for one endpoint's events.
    func sink(conference: ConferenceID, endpoint: EndpointID) -> EndpointEventSink {
        EndpointEventSink(conference: conference, endpoint: endpoint, dispatcher: self)
    }
}

/// Where one endpoint reports its events, from its conference's loop.
struct EndpointEventSink: Sendable {
    let conference: ConferenceID
    let endpoint: EndpointID
    let dispatcher: MCUEventDispatcher

    func dtmf(_ digit: Character) {
        dispatcher.send(.dtmf(conference, endpoint, digit: String(digit)))
    }

    func mediaTimeout(seconds: Int) {
        dispatcher.send(.mediaTimeout(conference, endpoint, seconds: seconds))
    }

    func selfMute(_ muted: Bool) {
        dispatcher.send(.selfMute(conference, endpoint, muted: muted))
    }

    func announcementFinished(_ prompt: String) {
        dispatcher.send(.announcementFinished(conference, endpoint, prompt: prompt))
    }
}
