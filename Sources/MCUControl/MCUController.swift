/// The MCU as the focus sees it. `consort serve` uses the in-process implementation (the embedded MCU); a networked
/// one for separate MCU hosts implements the same protocol over the same Codable messages.
public protocol MCUController: Sendable {
    /// Creates a conference (idempotent: adding one that exists succeeds).
    func addConference(_ conference: ConferenceID) async throws(MCUControlError)
    /// Removes a conference and all its endpoints.
    func removeConference(_ conference: ConferenceID) async
    /// Adds an endpoint: allocates ports and keys, answers the offer, starts media.
    func addEndpoint(_ request: AddEndpointRequest) async throws(MCUControlError) -> AddEndpointResponse
    /// Mutes/unmutes an endpoint, or applies a new offer (hold, media change); returns the new answer for an offer.
    func modifyEndpoint(_ request: ModifyEndpointRequest) async throws(MCUControlError) -> AddEndpointResponse?
    /// Removes an endpoint (BYE, eject): stops its media and frees its ports.
    func removeEndpoint(_ conference: ConferenceID, _ endpoint: EndpointID) async
    /// A conference's counters, or nil when it does not exist.
    func statistics(_ conference: ConferenceID) async -> ConferenceStatistics?
    /// Load, for placement.
    func load() async -> MCULoadReport
}
