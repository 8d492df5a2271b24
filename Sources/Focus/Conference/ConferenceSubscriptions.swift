import ConferenceInfo
public import Logging
public import MCUControl
public import SIP
import Synchronization

/// The conference event package's notifier side (RFC 4575 over RFC 6665): who subscribed to which conference, each
/// subscription's document version and expiry, and the NOTIFYs. Every subscription has its own sender task, so
/// NOTIFYs to one subscriber go out in version order while different subscribers are served in parallel; a
/// conference's `publish` only enqueues and returns. A change is diffed and serialised once per conference: every
/// subscriber that holds the previous state gets the same body with its own version number.
public final class ConferenceSubscriptions: ConferenceEventPublisher, Sendable {
    /// What a subscription's sender sends next.
    enum Notification: Sendable {
        /// A bodiless NOTIFY (Subscription-State pending), sent once, that a subscriber not yet proven must answer
        /// before it gets the roster: a spoofed UDP source never answers, so it never earns more than this message.
        case probe(state: String)
        /// A conference-info document with the Subscription-State to send it with.
        case document(body: String, state: String)
        /// The final NOTIFY went out: forget the dialog.
        case close
    }

    struct Subscription: Sendable {
        var conference: ConferenceID
        var dialog: SIPDialogHandle
        /// The full state the subscriber holds once it has applied everything queued (its version is the last sent).
        var held: ConferenceInfoDocument
        /// The conference's publication the subscriber holds, when it holds one (nil after subscribing or refreshing,
        /// until the next change).
        var heldGeneration: UInt64?
        /// Deadline on the focus's monotonic time (``FocusTimeSource/elapsed``).
        var expires: Duration
        var queue: AsyncStream<Notification>.Continuation
        /// The source IP its place is counted against (nil: trusted).
        var source: String?
    }

    /// The last state published for a conference (version 0) and its number.
    struct Publication: Sendable {
        var document: ConferenceInfoDocument
        var generation: UInt64
        var snapshot: ConferenceSnapshot
    }

    struct State: Sendable {
        var subscriptions: [SIPDialogID: Subscription] = [:]
        var byConference: [ConferenceID: Set<SIPDialogID>] = [:]
        var published: [ConferenceID: Publication] = [:]
        /// The latest change per conference not yet sent (gathered for `coalescingSeconds`).
        var pending: [ConferenceID: ConferenceSnapshot] = [:]
        /// Places held per source and per conference.
        var quota = SubscriptionQuota()

        mutating func remove(_ dialog: SIPDialogID) -> Subscription? {
            guard let s = subscriptions.removeValue(forKey: dialog) else { return nil }
            quota.release(source: s.source, conference: s.conference)
            byConference[s.conference]?.remove(dialog)
            if byConference[s.conference]?.isEmpty == true { byConference[s.conference] = nil }
            return s
        }
    }

    private let state = Mutex(State())
    private let maxSeconds: Int
    private let logger: Logger
    let counters = FocusCounters()
    /// Where the senders and the coalescing waits run (children of the focus's `run()`).
    private let work: FocusWork
    /// Told when a subscription ends, however it ends, so the focus removes it from its store.
    let ended = Mutex<(@Sendable (SIPDialogID, ConferenceID) -> Void)?>(nil)

    init(maxSeconds: Int, logger: Logger, work: FocusWork) {
        self.maxSeconds = maxSeconds
        self.logger = logger
        self.work = work
    }

    /// Subscriptions now.
    public var count: Int { state.withLock { $0.subscriptions.count } }

    /// Subscriptions to one conference now.
    public func count(for conference: ConferenceID) -> Int { state.withLock { $0.byConference[conference]?.count ?? 0 } }

    /// The interval granted for a requested one (RFC 6665 §4.2.1.1): at most the configured maximum.
    func grantedSeconds(_ requested: Int?) -> Int { min(max(requested ?? maxSeconds, 0), maxSeconds) }

    /// Takes a place for a new subscription from `source` (nil: a trusted source) before its SUBSCRIBE is answered;
    /// the refusal when the source or the conference holds its limit. ``add`` keeps the place, ``cancel`` gives it back.
    public func reserve(source: String?, conference: ConferenceID, perSource: Int, perConference: Int) -> SubscriptionRefusal? {
        state.withLock { $0.quota.reserve(source: source, conference: conference, perSource: perSource, perConference: perConference) }
    }

    /// Gives back a place reserved for a SUBSCRIBE that did not become a subscription.
    public func cancel(source: String?, conference: ConferenceID) {
        state.withLock { $0.quota.release(source: source, conference: conference) }
    }

    /// Starts a subscription after its 2xx, in the place reserved for it: sends the full state (version 1) — after a
    /// bodiless pending NOTIFY has been answered when `proveFirst` (an unauthenticated subscriber over UDP, whose
    /// source address may be forged). `seconds == 0` is a fetch: the one NOTIFY says terminated.
    /// `version` numbers the first document: 1 for a new subscription, past anything sent before for one a restarted
    /// focus took over (a subscriber applies a full state only when its version is higher than what it holds).
    func add(
        _ dialog: SIPDialogHandle, conference: ConferenceID, seconds: Int, snapshot: ConferenceSnapshot, source: String? = nil,
        proveFirst: Bool = false, version: UInt32 = 1
    ) {
        let (stream, continuation) = AsyncStream<Notification>.makeStream()
        let document = snapshot.conferenceInfo(version: version)
        if proveFirst { continuation.yield(.probe(state: "pending;expires=\(seconds)")) }
        if seconds == 0 {
            cancel(source: source, conference: conference)
            continuation.yield(.document(body: document.xml, state: "terminated;reason=timeout"))
            continuation.yield(.close)
            continuation.finish()
        } else {
            state.withLock { s in
                s.subscriptions[dialog.id] = Subscription(
                    conference: conference, dialog: dialog, held: document, heldGeneration: nil, expires: deadline(seconds),
                    queue: continuation, source: source)
                s.byConference[conference, default: []].insert(dialog.id)
                // Sent in the same step as it is filed, so no change can be published to it before its full state.
                continuation.yield(.document(body: document.xml, state: "active;expires=\(seconds)"))
            }
            counters.subscriptions(count)
        }
        startSender(dialog, stream: stream)
    }

    /// A refresh (RFC 6665 §4.2.1.2): new expiry and a NOTIFY with the full state. Returns false for no subscription.
    func refresh(_ dialog: SIPDialogID, seconds: Int, snapshot: ConferenceSnapshot) -> Bool {
        let found = state.withLock { st -> Bool in
            guard var s = st.subscriptions[dialog] else { return false }
            s.held = snapshot.conferenceInfo(version: s.held.version &+ 1)
            s.heldGeneration = nil
            s.expires = deadline(seconds)
            s.queue.yield(.document(body: s.held.xml, state: "active;expires=\(seconds)"))
            st.subscriptions[dialog] = s
            return true
        }
        return found
    }

    /// Ends a subscription with a final NOTIFY (terminated; `reason` per RFC 6665 §4.1.3, nil after an unsubscribe).
    func terminate(_ dialog: SIPDialogID, reason: String?, snapshot: ConferenceSnapshot) {
        terminate(dialog, reason: reason) { version in snapshot.conferenceInfo(version: version) }
    }

    private func terminate(_ dialog: SIPDialogID, reason: String?, document: (UInt32) -> ConferenceInfoDocument) {
        guard let s = state.withLock({ $0.remove(dialog) }) else { return }
        ended.withLock { $0 }?(dialog, s.conference)
        let subscriptionState = reason.map { "terminated;reason=\($0)" } ?? "terminated"
        s.queue.yield(.document(body: document(s.held.version &+ 1).xml, state: subscriptionState))
        s.queue.yield(.close)
        s.queue.finish()
        counters.subscriptions(count)
    }

    /// Whether a dialog is a subscription here, and to what.
    func conference(of dialog: SIPDialogID) -> ConferenceID? { state.withLock { $0.subscriptions[dialog]?.conference } }

    /// What the store keeps of a subscription: its conference, the version it holds, seconds left, its source.
    func stored(_ dialog: SIPDialogID) -> (conference: ConferenceID, version: UInt32, seconds: Int, source: String?)? {
        state.withLock { st in
            st.subscriptions[dialog].map { ($0.conference, $0.held.version, remainingSeconds($0.expires), $0.source) }
        }
    }

    /// Takes a place for a subscription a restarted focus took over (no limit applies: it held one before).
    func reinstate(source: String?, conference: ConferenceID) {
        state.withLock { _ = $0.quota.reserve(source: source, conference: conference, perSource: .max, perConference: .max) }
    }

    // MARK: - ConferenceEventPublisher

    /// How long changes to one conference are gathered into one NOTIFY per subscriber (a meeting's start brings many
    /// joins at once, and each join changes the roster twice: dialing-in, then connected).
    static let coalescingSeconds = 0.025

    /// A roster change. Changes are gathered for ``coalescingSeconds``; then every subscriber of the conference gets what
    /// changed since the state it holds, as a partial document with the next version (or a full one when a change
    /// cannot be said partially, RFC 4575 §4.6). Returns at once.
    public func publish(_ snapshot: ConferenceSnapshot) {
        let first = state.withLock { st -> Bool in
            guard st.byConference[snapshot.id] != nil else {
                st.published[snapshot.id] = nil  // nobody watches: nothing to diff against later
                return false
            }
            let first = st.pending[snapshot.id] == nil
            st.pending[snapshot.id] = snapshot
            return first
        }
        guard first else { return }
        work.start { [self] in
            guard await work.sleep(seconds: Self.coalescingSeconds) else { return }
            guard let latest = state.withLock({ $0.pending.removeValue(forKey: snapshot.id) }) else { return }
            notifyChange(latest)
        }
    }

    /// Sends the difference to every subscriber: diffed and serialised once for all who hold the previous state.
    private func notifyChange(_ snapshot: ConferenceSnapshot) {
        let newest = snapshot.conferenceInfo(version: 0)
        state.withLock { st in
            guard let ids = st.byConference[snapshot.id] else { return }
            let previous = st.published[snapshot.id]
            let generation = (previous?.generation ?? 0) &+ 1
            st.published[snapshot.id] = Publication(document: newest, generation: generation, snapshot: snapshot)
            // The difference from the previous publication, serialised once with version 0 as a placeholder.
            var common: String?? = .none
            for id in ids {
                guard var s = st.subscriptions[id] else { continue }
                let body: String?
                if let previous, s.heldGeneration == previous.generation {
                    if case .none = common { common = .some(previous.document.changes(to: newest).map { Self.template($0) }) }
                    body = common.flatMap { $0 }.map { Self.filling($0, version: s.held.version &+ 1) }
                } else {
                    var held = s.held
                    held.version = 0
                    body = held.changes(to: newest).map { Self.filling(Self.template($0), version: s.held.version &+ 1) }
                }
                s.heldGeneration = generation
                guard let body else {
                    st.subscriptions[id] = s
                    continue
                }
                let version = s.held.version &+ 1
                s.held = newest
                s.held.version = version
                s.queue.yield(.document(body: body, state: "active;expires=\(remainingSeconds(s.expires))"))
                st.subscriptions[id] = s
            }
        }
    }

    /// A document's XML with version 0, to be filled per subscriber.
    private static func template(_ document: ConferenceInfoDocument) -> String {
        var d = document
        d.version = 0
        return d.xml
    }

    /// The template with `version` in the root element (the first ` version="0"` after the XML declaration's).
    private static func filling(_ template: String, version: UInt32) -> String {
        guard let range = template.firstRange(of: " version=\"0\"") else { return template }
        var filled = template
        filled.replaceSubrange(range, with: " version=\"\(version)\"")
        return filled
    }

    /// The conference ended: each subscriber gets its final NOTIFY (reason noresource, RFC 6665 §4.1.3) with an
    /// empty roster.
    func conferenceEnded(_ conference: ConferenceID, subject: String) {
        let (ids, last) = state.withLock { st in
            st.pending[conference] = nil
            return (Array(st.byConference[conference] ?? []), st.published.removeValue(forKey: conference))
        }
        for id in ids {
            guard let held = state.withLock({ $0.subscriptions[id]?.held }) else { continue }
            let empty = ConferenceSnapshot(
                id: conference, uri: held.entity, subject: subject,
                maxParticipants: last?.snapshot.maxParticipants ?? Int(held.description?.maximumUserCount ?? 0), locked: false,
                active: false, roster: [])
            terminate(id, reason: "noresource", snapshot: empty)
        }
    }

    /// The dialog is gone (the subscriber's NOTIFY answer was 481, or transport failure): forget it, send nothing.
    func dialogEnded(_ dialog: SIPDialogID) {
        guard let s = state.withLock({ $0.remove(dialog) }) else { return }
        ended.withLock { $0 }?(dialog, s.conference)
        s.queue.finish()
        counters.subscriptions(count)
    }

    // MARK: - Delivery

    private func startSender(_ dialog: SIPDialogHandle, stream: AsyncStream<Notification>) {
        work.start { [self] in
            for await notification in stream {
                switch notification {
                case .probe(let subscriptionState):
                    do {
                        let response = try await dialog.request(
                            .notify, headers: [("Event", "conference"), ("Subscription-State", subscriptionState)], probe: true)
                        counters.notifySent(ok: (200..<300).contains(response.statusCode))
                        guard (200..<300).contains(response.statusCode) else { throw SIPError(.rejected, "\(response.statusCode)") }
                    } catch {
                        counters.notifySent(ok: false)
                        logger.info("subscriber did not answer its pending NOTIFY: subscription ends", metadata: ["error": "\(error)"])
                        dialogEnded(dialog.id)
                        await dialog.end(reason: "pending NOTIFY not answered")
                        return
                    }
                case .document(let body, let subscriptionState):
                    do {
                        let response = try await dialog.request(
                            .notify, headers: [("Event", "conference"), ("Subscription-State", subscriptionState)], body: Array(body.utf8),
                            contentType: "application/conference-info+xml")
                        counters.notifySent(ok: (200..<300).contains(response.statusCode))
                        if !(200..<300).contains(response.statusCode) {
                            // RFC 6665 §4.2.2: a failure response ends the subscription.
                            logger.info("NOTIFY refused: subscription ends", metadata: ["status": "\(response.statusCode)"])
                            dialogEnded(dialog.id)
                            await dialog.end(reason: "NOTIFY refused")
                            return
                        }
                    } catch {
                        counters.notifySent(ok: false)
                        logger.info("NOTIFY failed: subscription ends", metadata: ["error": "\(error)"])
                        dialogEnded(dialog.id)
                        await dialog.end(reason: "NOTIFY failed")
                        return
                    }
                case .close:
                    await dialog.end(reason: "subscription terminated")
                    return
                }
            }
        }
    }

    /// Ends every subscription whose time is up (RFC 6665 §4.1.2.4: terminated;reason=timeout). The focus calls it
    /// once a second; a refresh only moves the deadline, so nothing waits per subscription.
    func expireDue() {
        let now = work.time.elapsed()
        let due = state.withLock { st in st.subscriptions.compactMap { $0.value.expires <= now ? $0.key : nil } }
        for dialog in due { expire(dialog) }
    }

    private func expire(_ dialog: SIPDialogID) {
        guard let s = state.withLock({ $0.subscriptions[dialog] }), remainingSeconds(s.expires) == 0 else { return }
        logger.debug("subscription expired", metadata: ["conference": "\(s.conference)"])
        if let snapshot = state.withLock({ $0.pending[s.conference] ?? $0.published[s.conference]?.snapshot }) {
            terminate(dialog, reason: "timeout", snapshot: snapshot)
        } else {
            // Nothing changed since it subscribed: the final NOTIFY repeats the state it holds.
            let held = s.held
            terminate(dialog, reason: "timeout") { version in
                var final = held
                final.version = version
                return final
            }
        }
    }

    private func deadline(_ seconds: Int) -> Duration { work.time.elapsed() + .seconds(seconds) }

    /// Whole seconds left until `deadline`, rounded up (0 once it has passed).
    private func remainingSeconds(_ deadline: Duration) -> Int {
        let left = deadline - work.time.elapsed()
        guard left > .zero else { return 0 }
        let parts = left.components
        return Int(parts.seconds) + (parts.attoseconds > 0 ? 1 : 0)
    }
}
