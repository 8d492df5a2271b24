import ConferenceInfo
public import Logging
public import MCUControl
public import SIP
import Synchronization

/// The conference event package's notifier side (RFC 4575 over RFC 6665): who subscribed to which conference, each
/// subscription's document version and expiry, and the NOTIFYs. Every subscription has its own sender task, so
/// NOTIFYs to one subscriber go out in version order while different subscribers are served in parallel; a
/// conference's `publish` only enqueues and returns.
public final class ConferenceSubscriptions: ConferenceEventPublisher, Sendable {
    /// What a subscription's sender sends next.
    enum Notification: Sendable {
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
        /// Monotonic deadline (nanoseconds).
        var expires: UInt64
        var queue: AsyncStream<Notification>.Continuation
        var timer: Task<Void, Never>?
    }

    private let table = Mutex<[SIPDialogID: Subscription]>([:])
    /// The last snapshot published per live conference (for the final NOTIFY of an expiring subscription).
    private let latest = Mutex<[ConferenceID: ConferenceSnapshot]>([:])
    private let maxSeconds: Int
    private let logger: Logger
    let counters = FocusCounters()

    init(maxSeconds: Int, logger: Logger) {
        self.maxSeconds = maxSeconds
        self.logger = logger
    }

    /// Subscriptions now.
    public var count: Int { table.withLock { $0.count } }

    /// Subscriptions to one conference now.
    public func count(for conference: ConferenceID) -> Int { table.withLock { $0.values.count { $0.conference == conference } } }

    /// The interval granted for a requested one (RFC 6665 §4.2.1.1): at most the configured maximum.
    func grantedSeconds(_ requested: Int?) -> Int { min(max(requested ?? maxSeconds, 0), maxSeconds) }

    /// Starts a subscription after its 2xx: sends the full state (version 1). `seconds == 0` is a fetch: the one
    /// NOTIFY says terminated.
    func add(_ dialog: SIPDialogHandle, conference: ConferenceID, seconds: Int, snapshot: ConferenceSnapshot) {
        let (stream, continuation) = AsyncStream<Notification>.makeStream()
        let document = snapshot.conferenceInfo(version: 1)
        let body = document.xml
        if seconds == 0 {
            continuation.yield(.document(body: body, state: "terminated;reason=timeout"))
            continuation.yield(.close)
            continuation.finish()
        } else {
            table.withLock { t in
                t[dialog.id] = Subscription(
                    conference: conference, dialog: dialog, held: document, expires: Self.deadline(seconds), queue: continuation,
                    timer: nil)
            }
            continuation.yield(.document(body: body, state: "active;expires=\(seconds)"))
            arm(dialog.id, seconds: seconds)
            counters.subscriptions(count)
        }
        startSender(dialog, stream: stream)
    }

    /// A refresh (RFC 6665 §4.2.1.2): new expiry and a NOTIFY with the full state. Returns false for no subscription.
    func refresh(_ dialog: SIPDialogID, seconds: Int, snapshot: ConferenceSnapshot) -> Bool {
        let found = table.withLock { t -> Bool in
            guard var s = t[dialog] else { return false }
            s.held = snapshot.conferenceInfo(version: s.held.version &+ 1)
            s.expires = Self.deadline(seconds)
            s.queue.yield(.document(body: s.held.xml, state: "active;expires=\(seconds)"))
            t[dialog] = s
            return true
        }
        if found { arm(dialog, seconds: seconds) }
        return found
    }

    /// Ends a subscription with a final NOTIFY (terminated; `reason` per RFC 6665 §4.1.3, nil after an unsubscribe).
    func terminate(_ dialog: SIPDialogID, reason: String?, snapshot: ConferenceSnapshot) {
        guard let s = table.withLock({ $0.removeValue(forKey: dialog) }) else { return }
        s.timer?.cancel()
        let state = reason.map { "terminated;reason=\($0)" } ?? "terminated"
        s.queue.yield(.document(body: snapshot.conferenceInfo(version: s.held.version &+ 1).xml, state: state))
        s.queue.yield(.close)
        s.queue.finish()
        counters.subscriptions(count)
    }

    /// Ends a subscription with a final NOTIFY repeating `document` at the next version.
    private func terminate(_ dialog: SIPDialogID, reason: String, document: ConferenceInfoDocument) {
        guard let s = table.withLock({ $0.removeValue(forKey: dialog) }) else { return }
        s.timer?.cancel()
        var final = document
        final.version = s.held.version &+ 1
        s.queue.yield(.document(body: final.xml, state: "terminated;reason=\(reason)"))
        s.queue.yield(.close)
        s.queue.finish()
        counters.subscriptions(count)
    }

    /// Whether a dialog is a subscription here, and to what.
    func conference(of dialog: SIPDialogID) -> ConferenceID? { table.withLock { $0[dialog]?.conference } }

    // MARK: - ConferenceEventPublisher

    /// A roster change: every subscriber of the conference gets what changed since the state it holds, as a partial
    /// document with the next version (or a full one when a change cannot be said partially, RFC 4575 §4.6). The
    /// difference is computed once for all subscribers that hold the same state.
    public func publish(_ snapshot: ConferenceSnapshot) {
        latest.withLock { $0[snapshot.id] = snapshot }
        let newest = snapshot.conferenceInfo(version: 0)
        table.withLock { t in
            var cache: (held: ConferenceInfoDocument, update: ConferenceInfoDocument?)?
            for (id, var s) in t where s.conference == snapshot.id {
                var key = s.held
                key.version = 0
                let update: ConferenceInfoDocument?
                if let cache, cache.held == key {
                    update = cache.update
                } else {
                    update = key.changes(to: newest)
                    cache = (key, update)
                }
                guard var next = update else { continue }
                next.version = s.held.version &+ 1
                s.held = newest
                s.held.version = next.version
                s.queue.yield(.document(body: next.xml, state: "active;expires=\(Self.remainingSeconds(s.expires))"))
                t[id] = s
            }
        }
    }

    /// The conference ended: each subscriber gets its final NOTIFY (reason noresource, RFC 6665 §4.1.3) with an
    /// empty roster.
    func conferenceEnded(_ conference: ConferenceID, subject: String) {
        latest.withLock { $0[conference] = nil }
        let ids = table.withLock { t in t.filter { $0.value.conference == conference }.map(\.key) }
        for id in ids {
            guard let held = table.withLock({ $0[id]?.held }) else { continue }
            var empty = ConferenceSnapshot(id: conference, uri: held.entity, subject: subject, maxParticipants: 0, locked: false, active: false, roster: [])
            empty.maxParticipants = Int(held.description?.maximumUserCount ?? 0)
            terminate(id, reason: "noresource", snapshot: empty)
        }
    }

    /// The dialog is gone (the subscriber's NOTIFY answer was 481, or transport failure): forget it, send nothing.
    func dialogEnded(_ dialog: SIPDialogID) {
        guard let s = table.withLock({ $0.removeValue(forKey: dialog) }) else { return }
        s.timer?.cancel()
        s.queue.finish()
        counters.subscriptions(count)
    }

    // MARK: - Delivery

    private func startSender(_ dialog: SIPDialogHandle, stream: AsyncStream<Notification>) {
        Task { [self] in
            for await notification in stream {
                switch notification {
                case .document(let body, let state):
                    do {
                        let response = try await dialog.request(
                            .notify, headers: [("Event", "conference"), ("Subscription-State", state)], body: Array(body.utf8),
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

    /// (Re)starts the expiry timer.
    private func arm(_ dialog: SIPDialogID, seconds: Int) {
        let timer = Task { [self] in
            try? await Task.sleep(for: .seconds(seconds))
            guard !Task.isCancelled else { return }
            expire(dialog)
        }
        let previous = table.withLock { t -> Task<Void, Never>? in
            let old = t[dialog]?.timer
            t[dialog]?.timer = timer
            return old
        }
        previous?.cancel()
    }

    private func expire(_ dialog: SIPDialogID) {
        guard let s = table.withLock({ $0[dialog] }), Self.remainingSeconds(s.expires) == 0 else { return }
        logger.debug("subscription expired", metadata: ["conference": "\(s.conference)"])
        guard let snapshot = latest.withLock({ $0[s.conference] }) else {
            // Nothing changed since it subscribed: the final NOTIFY repeats the state it holds.
            terminate(dialog, reason: "timeout", document: s.held)
            return
        }
        terminate(dialog, reason: "timeout", snapshot: snapshot)
    }


    private static func deadline(_ seconds: Int) -> UInt64 { monotonicNanoseconds() &+ UInt64(seconds) &* 1_000_000_000 }

    private static func remainingSeconds(_ deadline: UInt64) -> Int {
        let now = monotonicNanoseconds()
        return deadline > now ? Int((deadline - now + 999_999_999) / 1_000_000_000) : 0
    }
}

func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

#if canImport(Glibc)
import Glibc
#endif
