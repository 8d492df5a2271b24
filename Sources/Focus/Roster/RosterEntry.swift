public import MCUControl

/// What a participant may do in a meeting (RFC 4575 roles).
public enum ParticipantRole: String, Sendable, Codable, Equatable, CaseIterable {
    /// The meeting's owner: may always join, even when locked, and control it.
    case organizer
    /// Listed by the meeting or promoted: may join when locked and control.
    case presenter
    /// Everyone else: takes part, controls nothing.
    case attendee

    /// Organizers and presenters control the meeting.
    public var controls: Bool { self != .attendee }
}

/// Where a participant's call stands (RFC 4575 §5.6.3 endpoint status).
public enum ParticipantStatus: String, Sendable, Codable, Equatable {
    /// Answered but not in the mix: waiting in the lobby or entering the PIN.
    case pending
    /// The focus is calling them (dial-out), no answer yet.
    case dialingOut = "dialing-out"
    /// Their INVITE is being processed.
    case dialingIn = "dialing-in"
    /// Their phone rings (a dial-out got 180/183).
    case alerting
    case connected
    /// They put the call on hold.
    case onHold = "on-hold"
    /// In the mix but muted by an organizer or presenter (or mute on entry).
    case mutedViaFocus = "muted-via-focus"
    case disconnecting
    case disconnected
}

/// How a participant came in (RFC 4575 joining-info method).
public enum JoiningMethod: String, Sendable, Codable, Equatable {
    case dialedIn = "dialed-in"
    case dialedOut = "dialed-out"
}

/// One participant in a live conference's roster.
public struct RosterEntry: Sendable, Codable, Equatable {
    /// The MCU endpoint; also the RFC 4575 endpoint entity.
    public var endpoint: EndpointID
    /// Their address (the From URI of a dial-in, the called URI of a dial-out): the RFC 4575 user entity.
    public var uri: String
    public var displayName: String?
    /// The tenant user they authenticated as; nil when anonymous.
    public var user: String?
    public var role: ParticipantRole
    public var status: ParticipantStatus
    public var joiningMethod: JoiningMethod
    /// Seconds since 1970.
    public var joinedAt: Double
    /// Muted by the focus (ingress filtered at the MCU); only an organizer, a presenter or the operator lifts it.
    public var muted: Bool
    /// Muted by the participant (the self-mute DTMF sequence); the mix silences them for either mute.
    public var selfMuted = false
    /// Their last offer put the call on hold.
    public var onHold: Bool
    /// The streams the MCU set up.
    public var media: [EndpointMedia]
    /// Why a dial-out failed or the participant left, for the roster.
    public var reason: String?

    public init(
        endpoint: EndpointID, uri: String, displayName: String?, user: String?, role: ParticipantRole, status: ParticipantStatus,
        joiningMethod: JoiningMethod, joinedAt: Double, muted: Bool = false, onHold: Bool = false, media: [EndpointMedia] = [],
        reason: String? = nil
    ) {
        self.endpoint = endpoint
        self.uri = uri
        self.displayName = displayName
        self.user = user
        self.role = role
        self.status = status
        self.joiningMethod = joiningMethod
        self.joinedAt = joinedAt
        self.muted = muted
        self.onHold = onHold
        self.media = media
        self.reason = reason
    }

    /// Waiting to be let in (in the lobby or typing the PIN): held by the focus but not in a seat.
    public var waiting = false

    /// Counts toward the meeting's capacity: everyone in the mix or on the way in, but not those waiting in the lobby
    /// or at the PIN prompt (so waiting callers can never keep an organizer out).
    public var occupiesSeat: Bool { status != .disconnected && !waiting }

    /// Held by the focus in any way (seated or waiting): the conference lives while anyone is.
    public var isPresent: Bool { status != .disconnected }

    /// In the mix: heard and hearing.
    public var isInMix: Bool { status == .connected || status == .onHold || status == .mutedViaFocus }

    /// The status the roster shows for a participant in the mix.
    mutating func refreshMixStatus() {
        guard isInMix else { return }
        status = onHold ? .onHold : (muted ? .mutedViaFocus : .connected)
    }
}
