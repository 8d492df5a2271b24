/// The MCU as the focus sees it. `consort serve` uses the in-process implementation (the embedded MCU); a networked
/// one for separate MCU hosts implements the same protocol over the same Codable messages.
public protocol MCUController: Sendable {
    /// Creates a conference (idempotent: adding one that exists succeeds).
    func addConference(_ conference: ConferenceID) async throws(MCUControlError)
    /// Removes a conference and all its endpoints.
    func removeConference(_ conference: ConferenceID) async
    /// Adds an endpoint: allocates ports and keys, answers the offer, starts media. With no offer (dial-out) it returns
    /// the MCU's SDP offer in ``AddEndpointResponse/answer`` instead, and media starts when `modifyEndpoint` brings the
    /// remote answer.
    func addEndpoint(_ request: AddEndpointRequest) async throws(MCUControlError) -> AddEndpointResponse
    /// Mutes/unmutes an endpoint, switches its mode, applies a new offer (hold, media change) or the answer to the MCU's
    /// dial-out offer; returns the new answer for an offer, the negotiated media for an answer, nil otherwise.
    func modifyEndpoint(_ request: ModifyEndpointRequest) async throws(MCUControlError) -> AddEndpointResponse?
    /// Removes an endpoint (BYE, eject): stops its media and frees its ports.
    func removeEndpoint(_ conference: ConferenceID, _ endpoint: EndpointID) async
    /// Plays a prompt to one endpoint, replacing what played to it. Throws `.notFound` when there is no such conference
    /// or endpoint, `.failed` (with the path and why) when the file cannot be read or is not a supported WAV.
    func playAnnouncement(_ request: AnnouncementRequest) async throws(MCUControlError)
    /// Stops what plays to an endpoint (nothing happens when nothing plays; no `announcementFinished` is sent).
    func stopAnnouncement(_ conference: ConferenceID, _ endpoint: EndpointID) async
    /// Where events (DTMF digits, finished announcements) go; replaces the previous handler. The handler is called in
    /// order for each conference, possibly on a media loop and concurrently for conferences on different loops: it must
    /// only queue the event and return. Events that happen while no handler is set are dropped.
    func setEventHandler(_ handler: @escaping @Sendable (MCUEvent) -> Void) async
    /// A conference's counters, or nil when it does not exist.
    func statistics(_ conference: ConferenceID) async -> ConferenceStatistics?
    /// Load, for placement.
    func load() async -> MCULoadReport
    /// Returns once the MCU can say which conferences it holds (a pool has read its placements and connected its
    /// instances, or given up waiting): a focus restarted mid-meeting asks before it takes its conferences over.
    func waitUntilReady() async
}

extension MCUController {
    /// An MCU in this process is ready when it exists.
    public func waitUntilReady() async {}
}
