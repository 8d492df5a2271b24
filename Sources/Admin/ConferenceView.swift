import Foundation
public import Focus
public import MCUControl

/// A live conference as the API shows it: state and the full roster.
public struct ConferenceView: Codable, Sendable, Equatable {
    /// The tenant it belongs to.
    public var tenant: String
    /// The meeting ID (a conference's ID is its meeting's).
    public var id: String
    /// The conference URI (`sip:<meeting>@<tenant domain>`).
    public var uri: String
    /// The meeting's subject (its ID for an ad hoc meeting).
    public var subject: String
    /// Only organizers and presenters may join.
    public var locked: Bool
    /// Someone is in the mix.
    public var active: Bool
    /// The meeting's capacity.
    public var maxParticipants: Int
    /// When the focus created it (ISO 8601, UTC).
    public var createdAt: String
    /// Participants in join order.
    public var roster: [ParticipantView]

    /// The view of a snapshot; `createdAt` in seconds since 1970.
    public init(_ snapshot: ConferenceSnapshot, createdAt: Double) {
        tenant = snapshot.id.tenant
        id = snapshot.id.meeting
        uri = snapshot.uri
        subject = snapshot.subject
        locked = snapshot.locked
        active = snapshot.active
        maxParticipants = snapshot.maxParticipants
        self.createdAt = isoTime(createdAt)
        roster = snapshot.roster.map(ParticipantView.init)
    }

    /// The view of a conference now.
    public static func of(_ conference: FocusConference) async -> ConferenceView {
        ConferenceView(await conference.snapshot(), createdAt: conference.createdAt)
    }
}

/// One roster entry: who, how they came in, what they may do and their media.
public struct ParticipantView: Codable, Sendable, Equatable {
    /// The ID for the participant routes (percent-encode it in URLs).
    public var endpoint: String
    /// Their address (From of a dial-in, the called URI of a dial-out).
    public var uri: String
    /// The name their phone or the directory gives.
    public var displayName: String?
    /// The tenant user they authenticated as; absent when anonymous.
    public var user: String?
    /// organizer, presenter or attendee.
    public var role: ParticipantRole
    /// Where their call stands (RFC 4575 endpoint status: connected, pending, muted-via-focus, …).
    public var status: ParticipantStatus
    /// Muted by the focus (their media is filtered at the MCU).
    public var muted: Bool
    /// Muted by themselves (DTMF); independent of ``muted``, which is the focus's.
    public var selfMuted: Bool
    /// Their last offer put the call on hold.
    public var onHold: Bool
    /// dialed-in or dialed-out.
    public var joiningMethod: JoiningMethod
    /// ISO 8601, UTC.
    public var joinedAt: String
    /// The streams the MCU set up (type, codec, port, SRTP suite).
    public var media: [EndpointMedia]
    /// Why a dial-out failed or the participant is leaving.
    public var reason: String?

    /// The view of a roster entry.
    public init(_ entry: RosterEntry) {
        endpoint = entry.endpoint.value
        uri = entry.uri
        displayName = entry.displayName
        user = entry.user
        role = entry.role
        status = entry.status
        muted = entry.muted
        selfMuted = entry.selfMuted
        onHold = entry.onHold
        joiningMethod = entry.joiningMethod
        joinedAt = isoTime(entry.joinedAt)
        media = entry.media
        reason = entry.reason
    }
}

/// Seconds since 1970 as ISO 8601 in UTC with milliseconds.
func isoTime(_ seconds: Double) -> String {
    Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
}
