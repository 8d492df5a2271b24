public import MCUControl
public import SIP

/// Where the focus keeps what must survive a restart: tenants, users, scheduled meetings, registrations, and the live
/// conferences with their participants' calls.
/// One machine uses ``SQLiteFocusStore`` (target FocusSQLite); several hosts share ``PostgresFocusStore`` (target
/// FocusPostgres), selected by a `postgres://` URL in `focus.database`. Both pass the same tests (FocusStoreTests).
/// Every method is scoped by tenant where the record is.
public protocol FocusStore: Sendable {
    /// Makes the store hold what the configuration declares: tenants, their users and their configured meetings are
    /// inserted or updated; configuration-sourced records the file no longer declares are removed (a tenant removed
    /// from the file takes its users and configuration meetings with it). Records created through the API
    /// (`source == .api`) are left alone, unless their tenant is gone.
    func applyConfiguration(tenants: [Tenant], users: [TenantUser], meetings: [ScheduledMeeting]) async throws(FocusStoreError)

    func tenants() async throws(FocusStoreError) -> [Tenant]
    func users(tenant: String) async throws(FocusStoreError) -> [TenantUser]

    func meetings(tenant: String) async throws(FocusStoreError) -> [ScheduledMeeting]
    func meeting(tenant: String, id: String) async throws(FocusStoreError) -> ScheduledMeeting?
    /// Inserts or replaces a meeting (keyed by tenant and ID).
    func saveMeeting(_ meeting: ScheduledMeeting) async throws(FocusStoreError)
    /// Removes a meeting; false when there was none.
    func deleteMeeting(tenant: String, id: String) async throws(FocusStoreError) -> Bool

    /// Live (unexpired at `now`, seconds since 1970) bindings of a user.
    func registrations(tenant: String, user: String, now: Double) async throws(FocusStoreError) -> [Registration]
    /// Adds or refreshes a binding (keyed by tenant, user and contact).
    func saveRegistration(_ registration: Registration) async throws(FocusStoreError)
    /// Removes one binding, or every binding of the user when `contact` is nil.
    func removeRegistrations(tenant: String, user: String, contact: String?) async throws(FocusStoreError)
    /// Deletes bindings that lapsed before `now`; returns how many.
    func purgeExpiredRegistrations(now: Double) async throws(FocusStoreError) -> Int

    /// Inserts or replaces a live conference (keyed by its ID).
    func saveLiveConference(_ conference: LiveConference) async throws(FocusStoreError)
    /// Removes a live conference and every participant stored under it.
    func removeLiveConference(_ id: ConferenceID) async throws(FocusStoreError)
    /// Inserts or replaces a participant's call (keyed by conference and endpoint).
    func saveLiveParticipant(_ participant: LiveParticipant) async throws(FocusStoreError)
    /// Removes a participant's call.
    func removeLiveParticipant(_ conference: ConferenceID, _ endpoint: EndpointID) async throws(FocusStoreError)
    /// Every stored live conference and participant, ordered by conference and endpoint.
    func liveConferences() async throws(FocusStoreError) -> [LiveConference]
    func liveParticipants() async throws(FocusStoreError) -> [LiveParticipant]
    /// Inserts or replaces a subscription (keyed by tenant and dialog).
    func saveLiveSubscription(_ subscription: LiveSubscription) async throws(FocusStoreError)
    func removeLiveSubscription(tenant: String, dialog: SIPDialogID) async throws(FocusStoreError)
    /// Every stored subscription, ordered by tenant and dialog.
    func liveSubscriptions() async throws(FocusStoreError) -> [LiveSubscription]
}

/// A store failure, with what was being done.
public struct FocusStoreError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
