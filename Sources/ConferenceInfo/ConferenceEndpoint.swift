/// One device through which a user takes part: in SIP, one dialog with the focus (RFC 4575 §5, `<endpoint>`,
/// endpoint-type).
///
/// In a partial endpoint, a field that is present replaces the subscriber's value and an absent one (nil) leaves it;
/// media streams are matched by `id` and merged the same way.
public struct ConferenceEndpoint: Sendable, Equatable {
    /// The endpoint's URI (the `entity` attribute), e.g. the Contact of its dialog; the key within its user.
    public var entity: String
    /// How a subscriber applies this element.
    public var state: ElementState
    /// A name for the device (`<display-text>`).
    public var displayText: String?
    /// How the endpoint stands with the focus (`<status>`).
    public var status: EndpointStatus?
    /// How it joined (`<joining-method>`).
    public var joiningMethod: JoiningMethod?
    /// When and by whom it joined (`<joining-info>`).
    public var joiningInfo: ExecutionInfo?
    /// How it left (`<disconnection-method>`).
    public var disconnectionMethod: DisconnectionMethod?
    /// When, why and by whom it left (`<disconnection-info>`).
    public var disconnectionInfo: ExecutionInfo?
    /// Its media streams (`<media>`), in document order, each keyed by `id`.
    public var media: [EndpointMedia]

    /// An endpoint; full unless said otherwise.
    public init(
        entity: String, state: ElementState = .full, displayText: String? = nil, status: EndpointStatus? = nil,
        joiningMethod: JoiningMethod? = nil, joiningInfo: ExecutionInfo? = nil,
        disconnectionMethod: DisconnectionMethod? = nil, disconnectionInfo: ExecutionInfo? = nil,
        media: [EndpointMedia] = []
    ) {
        self.entity = entity
        self.state = state
        self.displayText = displayText
        self.status = status
        self.joiningMethod = joiningMethod
        self.joiningInfo = joiningInfo
        self.disconnectionMethod = disconnectionMethod
        self.disconnectionInfo = disconnectionInfo
        self.media = media
    }
}

/// When, why and by whom something happened to an endpoint (RFC 4575 §5, execution-type): `<joining-info>`,
/// `<disconnection-info>`.
public struct ExecutionInfo: Sendable, Equatable {
    /// When, in seconds since 1970-01-01T00:00:00Z; written as an `xs:dateTime` in UTC (`<when>`).
    public var when: Double?
    /// Why, in words (`<reason>`).
    public var reason: String?
    /// Who did it: the URI of the user or moderator (`<by>`).
    public var by: String?

    /// An execution record; every field defaults to absent.
    public init(when: Double? = nil, reason: String? = nil, by: String? = nil) {
        self.when = when
        self.reason = reason
        self.by = by
    }
}

/// One media stream of an endpoint (RFC 4575 §5, `<media>`, media-type).
public struct EndpointMedia: Sendable, Equatable {
    /// The stream's identifier within its endpoint (the mandatory `id` attribute); the key a subscriber matches on.
    public var id: String
    /// A name for the stream, e.g. "main audio" (`<display-text>`).
    public var displayText: String?
    /// The media type, e.g. `audio` or `video` (`<type>`).
    public var type: String?
    /// The SDP `a=label` of the stream in the focus's session description (RFC 4574), which ties it to an m= line
    /// (`<label>`).
    public var label: String?
    /// The stream's RTP synchronisation source as the focus forwards it, in decimal (`<src-id>`), so a receiver can
    /// tell whose audio or video a packet carries.
    public var srcID: String?
    /// The stream's direction (`<status>`).
    public var status: MediaStatus?

    /// A media stream with `id`.
    public init(
        id: String, displayText: String? = nil, type: String? = nil, label: String? = nil, srcID: String? = nil,
        status: MediaStatus? = nil
    ) {
        self.id = id
        self.displayText = displayText
        self.type = type
        self.label = label
        self.srcID = srcID
        self.status = status
    }

    /// A media stream whose `<src-id>` is the RTP SSRC `ssrc`, written in decimal.
    public init(id: String, type: String, ssrc: UInt32, label: String? = nil, status: MediaStatus? = nil, displayText: String? = nil) {
        self.init(id: id, displayText: displayText, type: type, label: label, srcID: String(ssrc), status: status)
    }

    /// The `<src-id>` read as an RTP SSRC (decimal), or nil when absent or not a 32-bit number.
    public var ssrc: UInt32? { srcID.flatMap { UInt32($0) } }
}
