import AudioMixer
import Focus
import FocusSQLite
import Foundation
import Logging
import MCUControl
import MediaCore
import OpusCodec
import SIP
import TestSupport

/// The focus and an embedded MCU in the test process, on free loopback ports, with a store in a temporary folder,
/// so tests can reach MCUControl and the focus directly while real phones call over SIP.
struct InProcessServer {
    let mcu: EmbeddedMCU
    let agent: SIPUserAgent
    let focus: Focus
    let store: SQLiteFocusStore
    let port: Int
    /// The TLS listener's port, when `adjustSIP` turned TLS on.
    let tlsPort: Int?
    let folder: URL
    /// The focus's background work (``Focus/run()``), as the executable's lifecycle runs it.
    let work: Task<Void, Never>

    /// `focus` gives the tenants; the default has only the default tenant (ad hoc meetings, anyone may join).
    /// `database`: a file to keep (restart tests); nil: one in a temporary folder removed by `stop()`.
    static func start(
        focus focusSettings: FocusConfiguration = FocusConfiguration(), graceSeconds: Int = 10, database: String? = nil,
        nameservers: [String] = [], mediaTimeoutSeconds: Int = 30, trustedSources: Set<String> = [], t1Milliseconds: Int = 500,
        adjustMedia: (inout MCUConfiguration, Int) -> Void = { _, _ in }, adjustSIP: (inout SIPConfiguration) -> Void = { _ in },
        controller: (EmbeddedMCU) -> any MCUController = { $0 }
    ) async throws -> InProcessServer {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let port = freePort()
        var sip = SIPConfiguration()
        sip.address = "127.0.0.1"
        sip.port = port
        sip.nameservers = nameservers
        sip.t1Milliseconds = t1Milliseconds
        sip.t2Milliseconds = max(sip.t2Milliseconds / 500 * t1Milliseconds, t1Milliseconds)
        sip.t4Milliseconds = max(sip.t4Milliseconds / 500 * t1Milliseconds, 1)
        adjustSIP(&sip)
        var media = MCUConfiguration()
        media.rtpPorts = "\(port + 100)-\(port + 300)"
        media.loops = 1
        media.mediaTimeoutSeconds = mediaTimeoutSeconds
        adjustMedia(&media, port)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-focus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try SQLiteFocusStore(path: database ?? folder.appendingPathComponent("focus.sqlite").path)
        var settings = focusSettings
        settings.emptyConferenceGraceSeconds = graceSeconds
        if !settings.promptDirectory.hasPrefix("/") {
            settings.promptDirectory = packageRoot.appendingPathComponent("Config").appendingPathComponent(settings.promptDirectory).path
        }
        let directory = try await Focus.prepare(store: store, configuration: settings)
        let mcu = try EmbeddedMCU(configuration: media, mixer: MixerConfiguration(), opus: OpusEncoderSettings(), logger: logger)
        let agent = SIPUserAgent(configuration: sip, logger: logger)
        let bound = try await agent.start()
        Task { await agent.run() }  // the focus's handlers; returns when the agent stops
        let tlsPort = bound.first { $0.transport == .tls }?.port
        var configuration = Focus.Configuration()
        configuration.focus = settings
        configuration.contactPort = port
        if let tlsPort { configuration.contactTLSPort = tlsPort }
        configuration.isTrustedSource = { trustedSources.contains($0) }
        let focus = Focus(
            agent: agent, mcu: controller(mcu), store: store, directory: directory, configuration: configuration, logger: logger)
        let work = Task { await focus.run() }
        await focus.install()
        return InProcessServer(mcu: mcu, agent: agent, focus: focus, store: store, port: port, tlsPort: tlsPort, folder: folder, work: work)
    }

    func stop() async {
        await focus.endAll(within: 1)
        await mcu.shutdown()
        await agent.stop()
        focus.stop()
        await work.value
        try? FileManager.default.removeItem(at: folder)
    }
}

extension InProcessServer {
    /// The first roster entry of a live meeting that satisfies `ready`, waiting up to `timeout` for one (a real phone
    /// joins, answers or re-INVITEs in its own time); nil if none did.
    func rosterEntry(
        tenant: String = "default", meeting: String, timeout: Duration = .seconds(10), where ready: (RosterEntry) -> Bool
    ) async throws -> (FocusConference, RosterEntry)? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let conference = focus.liveConference(tenant: tenant, id: meeting), let entry = await conference.roster.first(where: ready) {
                return (conference, entry)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}
