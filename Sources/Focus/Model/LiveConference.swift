public import MCUControl
public import SIP

/// A live conference as the focus keeps it in its store, so that a focus restarted mid-meeting (or another focus
/// sharing the database) rebuilds it: the lock, the roles given at run time, the ad hoc organizer and the roster.
/// Written on every change of the roster; removed when the conference ends.
public struct LiveConference: Sendable, Codable, Equatable {
    public var id: ConferenceID
    /// Seconds since 1970 when the focus created it.
    public var createdAt: Double
    public var locked: Bool
    public var adHocOrganizer: String?
    /// Roles given to users at run time (promote, demote).
    public var roleOverrides: [String: ParticipantRole]
    public var roster: [RosterEntry]

    public init(
        id: ConferenceID, createdAt: Double, locked: Bool = false, adHocOrganizer: String? = nil,
        roleOverrides: [String: ParticipantRole] = [:], roster: [RosterEntry] = []
    ) {
        self.id = id
        self.createdAt = createdAt
        self.locked = locked
        self.adHocOrganizer = adHocOrganizer
        self.roleOverrides = roleOverrides
        self.roster = roster
    }
}

/// One participant's call as the focus keeps it in its store: the SIP dialog (so the restarted focus can still send
/// BYE, re-INVITE and NOTIFY in it and answer the phone's requests), what the call holds against its source's limits,
/// and what its media was made from (so it can be made again on another MCU). Written when the call becomes a member
/// and after each exchange that changes the dialog; removed when the call ends.
public struct LiveParticipant: Sendable, Codable, Equatable {
    /// Where a caller who is not yet in the mix stands.
    public enum Waiting: String, Sendable, Codable, Equatable {
        /// Typing the meeting's PIN.
        case pin
        /// Waiting in the lobby for an organizer or presenter.
        case lobby
    }

    public var conference: ConferenceID
    public var endpoint: EndpointID
    public var dialog: SIPDialogRecord
    /// The INVITE's Call-ID and From tag (dial-in calls only).
    public var callID: String?
    public var fromTag: String?
    /// The source IP the call counts against (nil: trusted, or dial-out).
    public var source: String?
    public var anonymous: Bool
    /// The `addEndpoint` request its media was made from, without the offer.
    public var media: AddEndpointRequest
    public var waiting: Waiting?
    /// Whether an admitted waiter joins muted.
    public var mutedOnAdmission: Bool

    public init(
        conference: ConferenceID, endpoint: EndpointID, dialog: SIPDialogRecord, callID: String? = nil, fromTag: String? = nil,
        source: String? = nil, anonymous: Bool = false, media: AddEndpointRequest, waiting: Waiting? = nil, mutedOnAdmission: Bool = false
    ) {
        self.conference = conference
        self.endpoint = endpoint
        self.dialog = dialog
        self.callID = callID
        self.fromTag = fromTag
        self.source = source
        self.anonymous = anonymous
        self.media = media
        self.waiting = waiting
        self.mutedOnAdmission = mutedOnAdmission
    }
}

/// A subscription to a conference's event package as the focus keeps it in its store: a restarted focus carries its
/// dialog on and sends the full state, numbered past anything sent before. Written when it starts and on each
/// refresh; removed when it ends.
public struct LiveSubscription: Sendable, Codable, Equatable {
    public var conference: ConferenceID
    public var dialog: SIPDialogRecord
    /// The version of the last document sent when it was written.
    public var version: UInt32
    /// Seconds since 1970 when it expires unless refreshed.
    public var expiresAt: Double
    /// The source IP its place counts against (nil: trusted).
    public var source: String?

    public init(conference: ConferenceID, dialog: SIPDialogRecord, version: UInt32, expiresAt: Double, source: String? = nil) {
        self.conference = conference
        self.dialog = dialog
        self.version = version
        self.expiresAt = expiresAt
        self.source = source
    }
}
