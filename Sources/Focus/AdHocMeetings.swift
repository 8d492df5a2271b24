public import Logging
public import MCUControl
public import SIP
import SIPWire
import Synchronization

/// The focus in its first, simplest form: an INVITE to `sip:<meeting>@<host>` joins the ad hoc meeting `<meeting>`
/// of the default tenant, created on first join and removed when the last participant has left (after a grace
/// period). Everyone may join; plain RTP is allowed. The focus drives media only through ``MCUController``.
public final class AdHocMeetings: Sendable {
    /// Settings.
    public struct Configuration: Sendable {
        /// The tenant ad hoc meetings belong to.
        public var tenant = "default"
        /// The address for SDP c= lines; nil: the host the caller dialed when it is an IPv4 address, else `fallbackAddress`.
        public var advertisedAddress: String?
        /// Used when nothing better is known.
        public var fallbackAddress = "127.0.0.1"
        /// Seconds an empty meeting lingers.
        public var emptyGraceSeconds = 10
        /// Our SIP host and port, for Contact.
        public var contactHost = "127.0.0.1"
        public var contactPort = 5060

        public init() {}
    }

    private struct Member: Sendable {
        var conference: ConferenceID
        var endpoint: EndpointID
        var dialog: SIPDialogHandle?
    }

    private let agent: SIPUserAgent
    private let mcu: any MCUController
    private let configuration: Configuration
    private let logger: Logger
    private let members = Mutex<[SIPDialogID: Member]>([:])
    private let counts = Mutex<[ConferenceID: Int]>([:])

    public init(agent: SIPUserAgent, mcu: any MCUController, configuration: Configuration, logger: Logger) {
        self.agent = agent
        self.mcu = mcu
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "subsystem"] = "focus"
        self.logger = logger
    }

    /// Installs the SIP handlers.
    public func install() async {
        await agent.setHandler(.invite) { [self] incoming in await self.invite(incoming) }
        await agent.setHandler(.bye) { [self] incoming in
            await incoming.respond(200)
            if let id = incoming.dialog?.id { await self.leave(id, reason: "BYE") }
        }
        await agent.onDialogTerminated { [self] id, reason in
            Task { await self.leave(id, reason: reason) }
        }
    }

    /// Participants in a meeting now.
    public func participantCount(_ meeting: String) -> Int {
        counts.withLock { $0[ConferenceID(tenant: configuration.tenant, meeting: meeting)] ?? 0 }
    }

    /// The MCU endpoint of a dialog (for control calls such as mute).
    public func endpoint(of dialog: SIPDialogID) -> (ConferenceID, EndpointID)? {
        members.withLock { $0[dialog].map { ($0.conference, $0.endpoint) } }
    }

    /// Every participant's dialog and endpoint.
    public var participants: [(SIPDialogID, ConferenceID, EndpointID)] {
        members.withLock { $0.map { ($0.key, $0.value.conference, $0.value.endpoint) } }
    }

    /// Ends every call with BYE (graceful shutdown), waiting at most `seconds` for the answers: a participant that
    /// does not answer does not hold the shutdown up.
    public func endAll(within seconds: Double = 2) async {
        let all = members.withLock { table -> [(SIPDialogID, Member)] in Array(table) }
        let pending = PendingCount()
        for (_, member) in all {
            guard let dialog = member.dialog else { continue }
            pending.add(1)
            Task {
                _ = try? await dialog.bye()
                pending.add(-1)
            }
        }
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while pending.value > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for (id, _) in all { await leave(id, reason: "server shutting down") }
    }

    // MARK: - INVITE

    private func invite(_ incoming: SIPIncomingRequest) async {
        let request = incoming.request
        if let dialog = incoming.dialog {
            await reinvite(incoming, dialog: dialog)
            return
        }
        guard let meeting = request.uri.user, !meeting.isEmpty else {
            await incoming.respond(404, reason: "Not Found (no meeting named in the Request-URI)")
            return
        }
        guard !request.body.isEmpty else {
            await incoming.respond(488, headers: [("Warning", "399 consort \"an SDP offer in the INVITE is required\"")])
            return
        }
        let conference = ConferenceID(tenant: configuration.tenant, meeting: meeting)
        let endpoint = EndpointID("\(request.callID ?? "call")|\(request.from?.tag ?? "")")
        do {
            try await mcu.addConference(conference)
            let answer = try await mcu.addEndpoint(
                AddEndpointRequest(
                    conference: conference, endpoint: endpoint, offer: String(decoding: request.body, as: UTF8.self),
                    advertisedAddress: advertisedAddress(for: request, arrivedOn: incoming.peer), label: request.from?.uri.description ?? "unknown"))
            counts.withLock { $0[conference, default: 0] += 1 }
            if await incoming.isCancelled {
                await dropEndpoint(conference, endpoint)
                return
            }
            let contact = "<sip:\(meeting)@\(configuration.contactHost):\(configuration.contactPort)>;isfocus"
            let dialog = await incoming.respond(
                200, headers: [("Contact", contact), ("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS"), ("Supported", "timer")],
                body: Array(answer.answer.utf8), contentType: "application/sdp")
            guard let dialog else {
                await dropEndpoint(conference, endpoint)
                return
            }
            members.withLock { $0[dialog.id] = Member(conference: conference, endpoint: endpoint, dialog: dialog) }
            logger.info("joined", metadata: ["meeting": "\(conference)", "from": "\(request.from?.uri.description ?? "?")"])
        } catch {
            await refuse(incoming, error)
        }
    }

    private func reinvite(_ incoming: SIPIncomingRequest, dialog: SIPDialogHandle) async {
        guard let member = members.withLock({ $0[dialog.id] }) else {
            await incoming.respond(481)
            return
        }
        do {
            let body = incoming.request.body
            let response = try await mcu.modifyEndpoint(
                ModifyEndpointRequest(
                    conference: member.conference, endpoint: member.endpoint,
                    offer: body.isEmpty ? nil : String(decoding: body, as: UTF8.self),
                    advertisedAddress: advertisedAddress(for: incoming.request, arrivedOn: incoming.peer)))
            if let response {
                await incoming.respond(200, body: Array(response.answer.utf8), contentType: "application/sdp")
            } else {
                await incoming.respond(200)
            }
        } catch {
            await refuse(incoming, error)
        }
    }

    private func refuse(_ incoming: SIPIncomingRequest, _ error: MCUControlError) async {
        let reason = String(error.reason.map { $0 == "\"" ? "'" : $0 })
        logger.info("call refused", metadata: ["reason": "\(reason)", "code": "\(error.code)"])
        switch error.code {
        case .notAcceptable:
            await incoming.respond(488, headers: [("Warning", "399 consort \"\(reason)\"")])
        case .capacity:
            await incoming.respond(503, reason: "Service Unavailable (\(reason))", headers: [("Retry-After", "30")])
        case .notFound:
            await incoming.respond(404)
        case .failed:
            await incoming.respond(500, reason: "Server Internal Error (\(reason))")
        }
    }

    /// The address for our SDP: configured, else the local address the INVITE arrived on, else the IPv4 host the
    /// caller dialed, else the fallback.
    private func advertisedAddress(for request: SIPRequest, arrivedOn peer: SIPPeer) -> String {
        if let configured = configuration.advertisedAddress { return configured }
        if let local = peer.localAddress?.ipAddress, local != "0.0.0.0", !local.contains(":") { return local }
        let host = request.uri.host
        let parts = host.split(separator: ".")
        if parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) { return host }
        return configuration.fallbackAddress
    }

    // MARK: - Leaving

    private func leave(_ id: SIPDialogID, reason: String) async {
        guard let member = members.withLock({ $0.removeValue(forKey: id) }) else { return }
        logger.info("left", metadata: ["meeting": "\(member.conference)", "reason": "\(reason)"])
        await dropEndpoint(member.conference, member.endpoint)
    }

    private func dropEndpoint(_ conference: ConferenceID, _ endpoint: EndpointID) async {
        await mcu.removeEndpoint(conference, endpoint)
        let remaining = counts.withLock { table -> Int in
            let n = max(0, (table[conference] ?? 1) - 1)
            table[conference] = n
            return n
        }
        guard remaining == 0 else { return }
        let grace = configuration.emptyGraceSeconds
        Task { [self] in
            try? await Task.sleep(for: .seconds(grace))
            let stillEmpty = counts.withLock { table -> Bool in
                guard table[conference] == 0 else { return false }
                table[conference] = nil
                return true
            }
            if stillEmpty { await mcu.removeConference(conference) }
        }
    }
}

/// A counter shared with tasks.
private final class PendingCount: Sendable {
    private let count = Mutex(0)
    func add(_ n: Int) { count.withLock { $0 += n } }
    var value: Int { count.withLock { $0 } }
}
