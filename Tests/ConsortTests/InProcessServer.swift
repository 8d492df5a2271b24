import AudioMixer
import Focus
import Logging
import MCUControl
import MediaCore
import OpusCodec
import SIP
import TestSupport

/// The focus (ad hoc meetings) and an embedded MCU in the test process, on free loopback ports, so tests can reach
/// MCUControl directly while real phones call over SIP.
struct InProcessServer {
    let mcu: EmbeddedMCU
    let agent: SIPUserAgent
    let meetings: AdHocMeetings
    let port: Int

    static func start() async throws -> InProcessServer {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let port = freePort()
        var sip = SIPConfiguration()
        sip.address = "127.0.0.1"
        sip.port = port
        var media = MCUConfiguration()
        media.rtpPorts = "\(port + 100)-\(port + 300)"
        media.loops = 1
        let mcu = try EmbeddedMCU(configuration: media, mixer: MixerConfiguration(), opus: OpusEncoderSettings(), logger: logger)
        let agent = SIPUserAgent(configuration: sip, logger: logger)
        try await agent.start()
        var focus = AdHocMeetings.Configuration()
        focus.contactPort = port
        let meetings = AdHocMeetings(agent: agent, mcu: mcu, configuration: focus, logger: logger)
        await meetings.install()
        return InProcessServer(mcu: mcu, agent: agent, meetings: meetings, port: port)
    }

    func stop() async {
        await mcu.shutdown()
        await agent.stop()
    }
}
