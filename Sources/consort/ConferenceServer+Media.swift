import Logging
import MCUControl
import MCUPlacement
import MediaCore

/// Where `consort serve` runs media: its embedded MCU, or (with `pool.enabled`) the pool of `consort mcu` instances
/// registered in the shared database, whose watcher (`watch`) the server runs as a child task as long as it serves.
struct ServerMedia: MCUController {
    let controller: any MCUController
    /// Background work the server runs beside the calls until it cancels it (the pool's watcher); nil for none.
    var watch: (@Sendable () async -> Void)?
    let stop: @Sendable () async -> Void

    func addConference(_ conference: ConferenceID) async throws(MCUControlError) { try await controller.addConference(conference) }
    func removeConference(_ conference: ConferenceID) async { await controller.removeConference(conference) }
    func addEndpoint(_ request: AddEndpointRequest) async throws(MCUControlError) -> AddEndpointResponse { try await controller.addEndpoint(request) }
    func modifyEndpoint(_ request: ModifyEndpointRequest) async throws(MCUControlError) -> AddEndpointResponse? {
        try await controller.modifyEndpoint(request)
    }
    func removeEndpoint(_ conference: ConferenceID, _ endpoint: EndpointID) async { await controller.removeEndpoint(conference, endpoint) }
    func playAnnouncement(_ request: AnnouncementRequest) async throws(MCUControlError) { try await controller.playAnnouncement(request) }
    func stopAnnouncement(_ conference: ConferenceID, _ endpoint: EndpointID) async { await controller.stopAnnouncement(conference, endpoint) }
    func setEventHandler(_ handler: @escaping @Sendable (MCUEvent) -> Void) async { await controller.setEventHandler(handler) }
    func statistics(_ conference: ConferenceID) async -> ConferenceStatistics? { await controller.statistics(conference) }
    func load() async -> MCULoadReport { await controller.load() }
    func waitUntilReady() async { await controller.waitUntilReady() }

    /// Stops the media: the embedded MCU's loops and sockets, or the pool's watcher and connections.
    func shutdown() async { await stop() }
}

extension ConferenceServer {
    func startMedia() async throws -> ServerMedia {
        if let poolStore {
            var settings = PooledMCUController.Settings(token: configuration.pool.resolvedToken)
            settings.callTimeout = .seconds(configuration.pool.callTimeoutSeconds)
            settings.downAfter = .seconds(configuration.pool.downAfterSeconds)
            settings.tls = configuration.pool.tls.control
            let pool = PooledMCUController(store: poolStore, settings: settings, logger: logger)
            logger.info("media on the MCU pool", metadata: ["downAfterSeconds": "\(configuration.pool.downAfterSeconds)"])
            // The watcher stops (and closes its connections) when the server cancels it; the instances keep the media.
            return ServerMedia(controller: pool, watch: { await pool.run() }, stop: {})
        }
        let mcu = try EmbeddedMCU(
            configuration: configuration.media.mcu, mixer: configuration.media.mixer, opus: configuration.media.opus, logger: logger)
        logger.info(
            "MCU ready",
            metadata: [
                "rtpPorts": "\(configuration.media.mcu.rtpPorts)", "bind": "\(configuration.media.mcu.bindAddress)", "loops": "\(mcu.loopCount)",
            ])
        return ServerMedia(controller: mcu, stop: { await mcu.shutdown() })
    }
}
