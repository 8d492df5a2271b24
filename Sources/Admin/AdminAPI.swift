public import Focus
public import Hummingbird
public import Logging
public import MCUPool
public import Prometheus

/// The admin API's routes and what they do. Every `/v1` route authenticates first (``AdminAuthenticator``), then
/// resolves the tenant in the URL for the caller (another tenant's is answered exactly like a missing one), then the
/// meeting, conference or participant inside that tenant, and only then calls the focus.
public struct AdminAPI: Sendable {
    let focus: Focus
    let authenticator: AdminAuthenticator
    let registry: PrometheusCollectorRegistry
    let metricsPublic: Bool
    /// The MCU pool's store, when `serve` runs media on a pool.
    let pool: (any MCUPoolStore)?
    let logger: Logger

    /// `registry` is the one the process's swift-metrics backend records into (see ``AdminMetrics``).
    public init(
        focus: Focus, authenticator: AdminAuthenticator, registry: PrometheusCollectorRegistry, metricsPublic: Bool,
        pool: (any MCUPoolStore)? = nil, logger: Logger
    ) {
        self.pool = pool
        self.focus = focus
        self.authenticator = authenticator
        self.registry = registry
        self.metricsPublic = metricsPublic
        var logger = logger
        logger[metadataKey: "subsystem"] = "admin"
        self.logger = logger
    }

    /// A router with every route of the API.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: AdminErrorMiddleware(logger: logger))
        router.get("/health") { _, _ in AdminJSON.response(["status": "ok"]) }
        router.get("/metrics") { request, _ in try await self.metrics(request) }

        router.get("/v1/pool/instances") { request, _ in try await self.listPoolInstances(request) }
        router.post("/v1/pool/instances/:instance/drain") { request, context in try await self.drainPoolInstance(request, context) }
        router.delete("/v1/pool/instances/:instance") { request, context in try await self.removePoolInstance(request, context) }

        let tenants = "/v1/tenants"
        router.get(RouterPath(tenants)) { request, _ in try await self.listTenants(request) }

        let meetings = "\(tenants)/:tenant/meetings"
        router.get(RouterPath(meetings)) { request, context in try await self.listMeetings(request, context) }
        router.post(RouterPath(meetings)) { request, context in try await self.createMeeting(request, context) }
        router.get(RouterPath("\(meetings)/:meeting")) { request, context in try await self.getMeeting(request, context) }
        router.put(RouterPath("\(meetings)/:meeting")) { request, context in try await self.putMeeting(request, context) }
        router.delete(RouterPath("\(meetings)/:meeting")) { request, context in try await self.deleteMeeting(request, context) }

        let conferences = "\(tenants)/:tenant/conferences"
        let conference = "\(conferences)/:conference"
        router.get(RouterPath(conferences)) { request, context in try await self.listConferences(request, context) }
        router.get(RouterPath(conference)) { request, context in try await self.getConference(request, context) }
        router.delete(RouterPath(conference)) { request, context in try await self.endConference(request, context) }
        router.post(RouterPath("\(conference)/lock")) { request, context in try await self.lock(request, context, locked: true) }
        router.post(RouterPath("\(conference)/unlock")) { request, context in try await self.lock(request, context, locked: false) }
        router.post(RouterPath("\(conference)/mute-all")) { request, context in try await self.muteAll(request, context, muted: true) }
        router.post(RouterPath("\(conference)/unmute-all")) { request, context in try await self.muteAll(request, context, muted: false) }
        router.put(RouterPath("\(conference)/roles/:user")) { request, context in try await self.setRole(request, context) }

        let participants = "\(conference)/participants"
        let participant = "\(participants)/:endpoint"
        router.post(RouterPath(participants)) { request, context in try await self.dialOut(request, context) }
        router.get(RouterPath(participant)) { request, context in try await self.getParticipant(request, context) }
        router.delete(RouterPath(participant)) { request, context in try await self.eject(request, context) }
        router.post(RouterPath("\(participant)/mute")) { request, context in try await self.mute(request, context, muted: true) }
        router.post(RouterPath("\(participant)/unmute")) { request, context in try await self.mute(request, context, muted: false) }
        router.post(RouterPath("\(participant)/admit")) { request, context in try await self.admit(request, context) }
        router.post(RouterPath("\(participant)/deny")) { request, context in try await self.deny(request, context) }
        return router
    }
}
