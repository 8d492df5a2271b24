import Foundation
import Logging
import SIP
import SIPWire

/// A user agent on the stack, listening on a free loopback port, answering calls the way a conference focus would:
/// 180, then 200 with an SDP answer whose direction mirrors the offer's (hold is reflected, RFC 3264 §6.1).
struct TestUserAgent: Sendable {
    let agent: SIPUserAgent
    let port: Int

    static func start(
        tcp: Bool = true, t1Milliseconds: Int = 500, trustedSources: [String] = [], acceptingRequests: Bool = true, port: Int = 0
    ) async throws -> TestUserAgent {
        var configuration = SIPConfiguration()
        configuration.trustedSources = trustedSources
        configuration.address = "127.0.0.1"
        configuration.port = port
        configuration.tcp = tcp
        configuration.t1Milliseconds = t1Milliseconds
        var logger = Logger(label: "test-ua")
        logger.logLevel = .critical
        let agent = SIPUserAgent(configuration: configuration, logger: logger)
        let bound = try await agent.start(acceptingRequests: acceptingRequests)
        Task { await agent.run() }  // its handlers; returns when the agent stops
        return TestUserAgent(agent: agent, port: bound.first?.port ?? 0)
    }

    var target: String { "127.0.0.1:\(port)" }

    /// Answers every INVITE (initial or re-INVITE) with 180 and 200 + SDP.
    func answerCalls(ringing: Bool = true) async {
        await agent.setHandler(.invite) { incoming in
            if ringing && incoming.dialog == nil { await incoming.respond(180) }
            await incoming.respond(200, body: Array(Self.answer(to: incoming.request.body).utf8), contentType: "application/sdp")
        }
    }

    static func answer(to offer: [UInt8]) -> String {
        let text = String(decoding: offer, as: UTF8.self)
        let direction =
            text.contains("a=sendonly") ? "recvonly" : text.contains("a=recvonly") ? "sendonly"
            : text.contains("a=inactive") ? "inactive" : "sendrecv"
        return "v=0\r\no=consort 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=\(direction)\r\n"
    }

    static let offer =
        "v=0\r\no=test 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 41000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"

    func stop() async { await agent.stop() }
}
