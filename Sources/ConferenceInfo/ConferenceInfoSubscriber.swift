// RFC 4575 §4.6 from the subscriber's side, one subscription at a time (versions count per subscription, so a new
// SUBSCRIBE dialog starts a new ConferenceInfoSubscriber):
// - A full document is taken when nothing is held yet or its version is higher than the held one.
// - A partial document is applied when its version is exactly one higher; with nothing held, or a larger jump, a
//   notification was lost and the subscriber must refresh its subscription to be sent full state.
// - A document whose version is not higher than the held one is stale (a retransmission or a reordering): ignored.

/// What a subscriber holds of one conference, rebuilt from the full and partial documents its NOTIFYs carry.
public struct ConferenceInfoSubscriber: Sendable {
    /// What happened to a received document.
    public enum Outcome: Sendable, Equatable {
        /// The document was taken: `document` is now its content.
        case applied
        /// The document's version is not higher than the held one, or it is about another conference: ignored.
        case stale
        /// A partial document that cannot be applied (nothing held, or versions skipped): the subscriber should send
        /// a refreshing SUBSCRIBE to be sent a full document. What it held is kept.
        case needsFullState
        /// The conference is gone (a document with state "deleted"): nothing is held any more.
        case ended
    }

    /// The full conference state held, or nil before the first full document.
    public private(set) var document: ConferenceInfoDocument?

    /// A subscriber that holds nothing yet.
    public init() {}

    /// Takes one received document and says what became of it.
    public mutating func receive(_ notification: ConferenceInfoDocument) -> Outcome {
        if let held = document {
            guard notification.entity == held.entity else { return .stale }
            guard notification.version > held.version else { return .stale }
        }
        switch notification.state {
        case .deleted:
            document = nil
            return .ended
        case .full:
            var full = notification
            full.users = notification.users.map { ConferenceUsers($0.users.filter { $0.state != .deleted }.map(\.asFull)) }
            document = full
            return .applied
        case .partial:
            guard let held = document, let merged = try? held.applying(notification) else { return .needsFullState }
            document = merged
            return .applied
        }
    }

    /// Parses a NOTIFY body and takes it.
    /// - Throws: ``ConferenceInfoError`` when the body is not a conference-info document.
    public mutating func receive(xml: String) throws -> Outcome {
        receive(try ConferenceInfoDocument(xml: xml))
    }

    /// The users held, in order.
    public var users: [ConferenceUser] { document?.userList ?? [] }
}
