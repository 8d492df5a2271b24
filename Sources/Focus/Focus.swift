public import Logging
public import MCUControl
public import SIP
import LogLimits
import SIPWire
import Synchronization

/// The focus: the SIP user agent behind every conference URI. It resolves the tenant from the Request-URI's domain
/// and the meeting from its user part, authenticates callers in the tenant's realm, applies the meeting's policy
/// (lock, capacity, quotas, lobby, PIN), keeps each conference's roster, publishes it through the conference event
/// package (RFC 4575) and drives media only through ``MCUController``. It is also the focus factory (conferences are
/// created on first join and removed after the last participant leaves) and the registrar of its tenants' users.
public final class Focus: Sendable {
    /// Settings from the `focus` section and the SIP/media addresses the executable knows.
    public struct Configuration: Sendable {
        public var focus = FocusConfiguration()
        /// The address for SDP c= lines; nil: the local address the request arrived on, else the dialed IPv4 host,
        /// else `fallbackAddress`.
        public var advertisedAddress: String?
        public var fallbackAddress = "127.0.0.1"
        /// Our SIP host and port, for Contact.
        public var contactHost = "127.0.0.1"
        public var contactPort = 5060
        /// Our SIP TLS port, for Contact of requests that arrived over TLS.
        public var contactTLSPort = 5061
        /// Whether a source IP is trusted (`sip.trustedSources`): exempt from the per-source limits, not from totals.
        public var isTrustedSource: @Sendable (String) -> Bool = { _ in false }

        public init() {}
    }

    typealias Membership = CallTable.Membership

    let agent: SIPUserAgent
    let mcu: any MCUController
    /// Tenants, users and meetings.
    public let directory: TenantDirectory
    let store: any FocusStore
    let configuration: Configuration
    let logger: Logger
    let authenticator: DigestAuthenticator
    let conferences = Mutex<[ConferenceID: FocusConference]>([:])
    /// Every participant's call, and what each source holds.
    let calls = Mutex(CallTable())
    let usage = Mutex<[String: TenantUsage]>([:])
    /// Callers typing a PIN or waiting in the lobby.
    let admissions = Mutex<[AdmissionKey: Admission]>([:])
    /// When each source's last refusal of each kind was logged at info.
    let refusalLog = Mutex(LogLimiter(intervalSeconds: 60))
    /// Wrong passwords and PINs per source and target, with their backoff.
    let secretFailures: Mutex<FailureBudget>
    /// When each tenant's recent dial-outs started (seconds of monotonic time), for `dialOut.perMinute`.
    let dialOutStarts = Mutex<[String: [Double]]>([:])
    /// Callers hearing a last prompt, hung up (with this reason) when the MCU reports it finished.
    let farewells = Mutex<[AdmissionKey: String]>([:])
    /// What each participant's media was made from (the `addEndpoint` request, without its offer): how it is made
    /// again when a pool of MCUs moves the conference (``MCUEvent/conferenceMoved(_:)``).
    let mediaRequests = Mutex<[AdmissionKey: AddEndpointRequest]>([:])
    /// Who is hearing the first-participant greeting, per conference (stopped when a second participant arrives).
    let greetings = Mutex<[ConferenceID: EndpointID]>([:])
    /// The conference event package's subscriptions.
    public let subscriptions: ConferenceSubscriptions
    /// Counters for `/metrics`.
    public let counters = FocusCounters()
    /// Background work (BYEs not waited for, re-INVITEs, timers, the MCU's events), children of ``run()``.
    let work: FocusWork
    /// The MCU's events, in order per conference; conferences never wait for each other.
    let conferenceEvents: SerialWork<ConferenceID>
    /// Adding and removing a conference on the MCU, in order per conference ID, and which focus conference owns
    /// each: a conference closing never removes the MCU conference a newer one with the same ID uses.
    let mcuPlacement: SerialWork<ConferenceID>
    let mcuOwners = Mutex<[ConferenceID: ObjectIdentifier]>([:])
    /// Every timer and every "now" of the focus.
    let clock: FocusTimeSource
    /// Writes of the live conferences and calls to the store (Focus+LiveState.swift), in order per conference.
    let liveWrites: SerialWork<ConferenceID>
    /// Conferences whose record has a write queued.
    let dirtyConferences = Mutex<Set<ObjectIdentifier>>([])

    /// A focus on `agent`, driving media through `mcu`; `clock` is the time its timers run on (real time unless a test
    /// gives another).
    public init(
        agent: SIPUserAgent, mcu: any MCUController, store: any FocusStore, directory: TenantDirectory, configuration: Configuration,
        logger: Logger, clock: FocusTimeSource = .system
    ) {
        self.agent = agent
        self.mcu = mcu
        self.store = store
        self.directory = directory
        self.configuration = configuration
        self.clock = clock
        var logger = logger
        logger[metadataKey: "subsystem"] = "focus"
        self.logger = logger
        self.authenticator = DigestAuthenticator(
            lifetimeSeconds: agent.configuration.nonceLifetimeSeconds, algorithms: configuration.focus.digestAlgorithms,
            lookup: { realm, user, algorithm in
            directory.ha1(realm: realm, username: user, algorithm: algorithm)
        })
        let work = FocusWork(time: clock)
        self.work = work
        self.subscriptions = ConferenceSubscriptions(
            maxSeconds: configuration.focus.maxSubscriptionSeconds, logger: logger, work: work)
        self.conferenceEvents = SerialWork(work: work)
        self.mcuPlacement = SerialWork(work: work)
        self.liveWrites = SerialWork(work: work)
        var budget = FailureBudget()
        budget.allowed = configuration.focus.limits.secretFailuresPerSource
        budget.backoffSeconds = Double(configuration.focus.limits.secretBackoffSeconds)
        self.secretFailures = Mutex(budget)
    }

    /// Runs the focus's background work until ``stop()``: start it beside the SIP agent (the executable runs it in its
    /// lifecycle) before calls arrive.
    public func run() async {
        await work.run()
    }

    /// Ends ``run()``: pending timers are cancelled, running jobs finish (their waits on peers are bounded).
    public func stop() {
        work.finish()
    }

    /// Applies the configuration's tenants, users and meetings to the store and loads the directory from it.
    public static func prepare(store: any FocusStore, configuration: FocusConfiguration) async throws(FocusStoreError) -> TenantDirectory {
        let tenants = configuration.effectiveTenants
        try await store.applyConfiguration(
            tenants: tenants.map(\.tenant), users: tenants.flatMap { $0.hashedUsers() },
            meetings: tenants.flatMap { $0.scheduledMeetings() })
        let directory = TenantDirectory(defaultTenant: configuration.defaultTenant)
        try await directory.reload(from: store)
        return directory
    }

    /// Installs the SIP handlers.
    public func install() async {
        await agent.setHandler(.invite) { [self] incoming in await self.invite(incoming) }
        await agent.setHandler(.bye) { [self] incoming in
            await incoming.respond(200)
            if let id = incoming.dialog?.id { await self.leave(id, reason: "departed") }
        }
        await agent.setHandler(.ack) { [self] incoming in await self.acknowledged(incoming) }
        await agent.setHandler(.subscribe) { [self] incoming in await self.subscribe(incoming) }
        await agent.setHandler(.register) { [self] incoming in await self.register(incoming) }
        await agent.setHandler(.refer) { [self] incoming in await self.refer(incoming) }
        await agent.setHandler(.update) { [self] incoming in
            guard let dialog = incoming.dialog else {
                await incoming.respond(481)
                return
            }
            await self.reinvite(incoming, dialog: dialog)
        }
        subscriptions.ended.withLock { $0 = { [weak self] dialog, conference in self?.forgetSubscription(dialog, of: conference) } }
        purgeRegistrationsPeriodically()
        work.start { [subscriptions, work] in
            while await work.sleep(seconds: 1) { subscriptions.expireDue() }
        }
        await listenToMCU()
        // Every tenant's series exist from the start, at zero, so /metrics is complete before the first call.
        for tenant in directory.tenants { counters.usage(tenant: tenant.id, conferences: 0, participants: 0) }
        await agent.onDialogTerminated { [self] id, reason in
            work.start {
                await self.leave(id, reason: reason)
                self.subscriptions.dialogEnded(id)
            }
        }
    }

    // MARK: - Lookups

    /// The tenant and meeting a conference URI names. An unknown meeting (ad hoc meetings off) is `.notFound`, exactly
    /// like another tenant's meeting would be: both just do not exist in the tenant the domain selects.
    func resolve(_ uri: SIPURI) throws(JoinRefusal) -> (tenant: Tenant, meetingID: String, meeting: ScheduledMeeting?) {
        guard let tenant = directory.tenant(forHost: uri.host), let meetingID = uri.user, !meetingID.isEmpty else {
            throw JoinRefusal.notFound
        }
        return (tenant, meetingID, try scheduledMeeting(meetingID, of: tenant))
    }

    /// The scheduled meeting of that ID, nil for an ad hoc one; `.notFound` when it is neither (ad hoc meetings off).
    func scheduledMeeting(_ id: String, of tenant: Tenant) throws(JoinRefusal) -> ScheduledMeeting? {
        let meeting = directory.meeting(tenant: tenant.id, id: id)
        if meeting == nil && !tenant.policy.adHocMeetings { throw JoinRefusal.notFound }
        return meeting
    }

    /// `resolve` for a request, answering it (404, the same for every way of asking) when it names no meeting.
    func resolveOrRefuse(_ incoming: SIPIncomingRequest) async -> (tenant: Tenant, meetingID: String, meeting: ScheduledMeeting?)? {
        do {
            return try resolve(incoming.request.uri)
        } catch {
            await refuse(incoming, error, tenant: directory.tenant(forHost: incoming.request.uri.host)?.id)
            return nil
        }
    }

    /// The live conference, created (not yet on the MCU) when there is none or the one there closed for being empty.
    func conference(_ id: ConferenceID, tenant: Tenant, meeting: ScheduledMeeting?) -> FocusConference {
        conferences.withLock { table in
            if let existing = table[id], !existing.isClosed { return existing }
            let created = FocusConference(
                id: id, uri: conferenceURI(id, tenant: tenant), tenant: tenant, meeting: meeting, events: subscriptions,
                now: clock.now(), changed: { [weak self] in self?.conferenceChanged($0) })
            table[id] = created
            return created
        }
    }

    /// A live conference, if there is one.
    public func existingConference(_ id: ConferenceID) -> FocusConference? { conferences.withLock { $0[id] } }

    /// Every live conference of a tenant (all of them for nil).
    public func liveConferences(tenant: String?) -> [FocusConference] {
        conferences.withLock { table in
            table.values.filter { tenant == nil || $0.id.tenant == tenant }.sorted { $0.id.description < $1.id.description }
        }
    }

    /// Participants (dialogs) in the focus now.
    public var participantCount: Int { calls.withLock { $0.count } }

    /// The membership of a dialog.
    public func endpoint(of dialog: SIPDialogID) -> (ConferenceID, EndpointID)? {
        calls.withLock { $0[dialog].map { ($0.conference, $0.endpoint) } }
    }

    /// The address for our SDP: configured, else the local address the request arrived on, else the IPv4 host the
    /// caller dialed, else the fallback.
    func advertisedAddress(for request: SIPRequest, arrivedOn peer: SIPPeer) -> String {
        if let configured = configuration.advertisedAddress { return configured }
        if let local = peer.localAddress?.ipAddress, local != "0.0.0.0", !local.contains(":") { return local }
        let host = request.uri.host
        let parts = host.split(separator: ".")
        if parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) { return host }
        return configuration.fallbackAddress
    }

    /// The conference URI: the meeting at the tenant's first domain, or at our address for a tenant reached by IP.
    func conferenceURI(_ id: ConferenceID, tenant: Tenant?) -> String {
        if let domain = tenant?.domains.first { return "sip:\(id.meeting)@\(domain)" }
        return "sip:\(id.meeting)@\(configuration.contactHost):\(configuration.contactPort)"
    }

    /// `Contact` for a conference: its URI at the address the request reached us on (or `sip.advertisedAddress`),
    /// for TLS `sips:` when it asked for sips, else `;transport=tls` on the TLS port; marked as a focus (RFC 4579 §3).
    func contact(for conference: ConferenceID, _ incoming: SIPIncomingRequest? = nil) -> String {
        let peer = incoming?.peer
        let host = agent.configuration.advertisedAddress ?? SIPLocalAddress.specific(peer?.localAddress) ?? configuration.contactHost
        switch peer?.transport {
        case .tls?:
            if incoming?.request.uri.scheme == .sips {
                return "<sips:\(conference.meeting)@\(host):\(configuration.contactTLSPort)>;isfocus"
            }
            return "<sip:\(conference.meeting)@\(host):\(configuration.contactTLSPort);transport=tls>;isfocus"
        default:
            return "<sip:\(conference.meeting)@\(host):\(configuration.contactPort)>;isfocus"
        }
    }
}
