import Foundation
import SIP
import SIPWire
import Synchronization

/// A phone on a loopback address: the SIP stack's own user agent as a caller, on port 0. It answers the focus's BYEs
/// and remembers them.
final class TestPhone: Sendable {
    let agent: SIPUserAgent
    let host: String
    private let byes = Mutex<Set<SIPDialogID>>([])
    private let reinvites = Mutex<[String]>([])

    private init(agent: SIPUserAgent, host: String) {
        self.agent = agent
        self.host = host
    }

    static func start(host: String = "127.0.0.1") async throws -> TestPhone {
        var configuration = SIPConfiguration()
        configuration.address = host
        configuration.port = 0
        // The test's own phones: their stack must not rate-limit the server under test (phones have no such limit).
        configuration.requestsPerSecondPerSource = 0
        let phone = TestPhone(agent: SIPUserAgent(configuration: configuration, logger: .init(label: "phone")), host: host)
        do {
            _ = try await phone.agent.start()
            Task { await phone.agent.run() }  // its handlers; returns when the agent stops
        } catch {
            await phone.agent.stop()  // its event loop runs from init on
            throw error
        }
        await phone.agent.setHandler(.bye) { [phone] incoming in
            if let id = incoming.dialog?.id { phone.byes.withLock { _ = $0.insert(id) } }
            await incoming.respond(200)
        }
        return phone
    }

    /// An offer for PCMU (and telephone-event, for PIN entry) at this phone's address.
    static func offer(host: String = "127.0.0.1", port: Int = 40_000, dtmf: Bool = true) -> String {
        var sdp = "v=0\r\no=- 1 1 IN IP4 \(host)\r\ns=-\r\nc=IN IP4 \(host)\r\nt=0 0\r\n"
        sdp += "m=audio \(port) RTP/AVP 0\(dtmf ? " 101" : "")\r\na=rtpmap:0 PCMU/8000\r\n"
        if dtmf { sdp += "a=rtpmap:101 telephone-event/8000\r\n" }
        return sdp
    }

    /// Calls `uri` at the focus on `port`; the call, or the error that refused it.
    func call(
        _ uri: String, port: Int, offer: String? = nil, credentials: SIPCredentials? = nil, from: String? = nil
    ) async -> Result<SIPOutgoingCall, SIPError> {
        do {
            let peer = try SIPPeer(transport: .udp, ipAddress: "127.0.0.1", port: port)
            guard let target = SIPURI(uri) else { return .failure(SIPError(.rejected, "bad URI \(uri)")) }
            let fromURI = from.flatMap(SIPURI.init) ?? credentials.flatMap { SIPURI("sip:\($0.username)@\(target.host)") }
            return .success(
                try await agent.invite(
                    target, from: fromURI.map { SIPNameAddress(uri: $0) }, body: Array((offer ?? Self.offer(host: host)).utf8), via: peer,
                    credentials: credentials))
        } catch let error as SIPError {
            return .failure(error)
        } catch {
            return .failure(SIPError(.transportFailure, "\(error)"))
        }
    }

    /// Answers the focus's re-INVITEs with 200 and an answer at this phone's address, and keeps their offers.
    func answerReinvites() async {
        await agent.setHandler(.invite) { [self] incoming in
            guard incoming.dialog != nil else {
                await incoming.respond(488)
                return
            }
            reinvites.withLock { $0.append(String(decoding: incoming.request.body, as: UTF8.self)) }
            await incoming.respond(200, body: Array(Self.offer(host: host, dtmf: false).utf8), contentType: "application/sdp")
        }
    }

    /// The offers of the re-INVITEs this phone answered.
    var reinviteOffers: [String] { reinvites.withLock { $0 } }

    /// Whether the focus sent a BYE in this call.
    func receivedBye(_ call: SIPOutgoingCall) -> Bool { byes.withLock { $0.contains(call.dialog.id) } }

    /// Waits (at most `timeout`) for the focus's BYE in this call.
    func waitForBye(_ call: SIPOutgoingCall, timeout: Duration = .seconds(5)) async -> Bool {
        await eventually(timeout: timeout) { self.receivedBye(call) }
    }

    /// Stops the phone's agent; calling it again does nothing.
    func stop() async { await agent.stop() }
}

extension Result where Failure == SIPError {
    /// The final status: 200 for an established call, else the refusal's (0 without a response).
    var status: Int {
        switch self {
        case .success: 200
        case .failure(let error): error.response?.statusCode ?? 0
        }
    }
}
