import Logging
import NIOCore
import SIPWire
import Synchronization

/// What the stack has counted, for statistics and tests.
public struct SIPCounters: Sendable, Equatable {
    /// Messages parsed and handled.
    public var messagesReceived: UInt64 = 0
    /// Datagrams or stream bytes that were not a valid SIP message.
    public var parseErrors: UInt64 = 0
    /// Requests answered statelessly with an error (malformed, unsupported).
    public var rejectedRequests: UInt64 = 0
    /// Retransmitted requests absorbed by a server transaction.
    public var retransmissionsAbsorbed: UInt64 = 0
    /// Responses that matched no client transaction and were dropped.
    public var strayResponses: UInt64 = 0
    /// Client transactions that timed out.
    public var timeouts: UInt64 = 0
    /// Error answers to malformed requests left unsent because they came faster than the answer budget (a flood).
    public var errorAnswersSuppressed: UInt64 = 0
    /// Response retransmissions left unsent because they would have passed the amplification budget.
    public var retransmissionsWithheld: UInt64 = 0
    /// Final error answers sent without keeping a transaction (digest challenges and the like).
    public var statelessAnswers: UInt64 = 0
    public init() {}
}

/// How much state the stack holds right now: every entry is something a peer made it keep, so each must return to
/// its idle value once calls end and timers run (for tests and metrics).
public struct SIPStateCounts: Sendable, Equatable, CustomStringConvertible {
    /// Dialogs, early or confirmed, of calls, subscriptions and referrals.
    public var dialogs = 0
    /// Server transactions, including those absorbing retransmissions after their final response.
    public var serverTransactions = 0
    /// Client transactions, including those absorbing retransmitted responses.
    public var clientTransactions = 0
    /// Entries of the merged-request index (RFC 3261 §8.2.2.2).
    public var mergeIndex = 0
    public init() {}

    public var description: String {
        "dialogs \(dialogs), server transactions \(serverTransactions), client transactions \(clientTransactions), merge index \(mergeIndex)"
    }
}

/// The transaction and dialog layers of RFC 3261 (§17, §12, §13) on one event loop. Everything here runs on
/// `eventLoop`; the public ``SIPUserAgent`` hops onto it.
final class SIPStack: @unchecked Sendable {
    let eventLoop: any EventLoop
    let configuration: SIPConfiguration
    let timers: SIPTimers
    let logger: Logger
    var transmitter: (any SIPTransmitter)?
    /// Host and port we put in Via and Contact of our own requests.
    var advertisedHost: String
    var advertisedPort: Int
    /// The TLS listener's port, for Via and Contact over TLS.
    var advertisedTLSPort: Int
    var counters = SIPCounters()

    var serverTransactions: [String: ServerTransaction] = [:]
    /// Server transactions of requests without a To tag, by From tag, Call-ID, CSeq and method, to find merged
    /// requests (RFC 3261 §8.2.2.2) without scanning every transaction.
    var mergeIndex: [String: String] = [:]
    var clientTransactions: [String: ClientTransaction] = [:]
    var dialogs: [SIPDialogID: SIPDialogState] = [:]
    var handlers: [SIPMethod: @Sendable (SIPIncomingRequest) async -> Void] = [:]
    /// Where the handlers run: children of ``SIPUserAgent/run()``.
    let handlerWork = SIPHandlerWork()
    /// False between a start that listens before its handlers are set and ``SIPUserAgent/acceptRequests()``: new
    /// requests get 503 + Retry-After instead of a 501 for a method whose handler is not there yet.
    var acceptingRequests = true
    /// The last server transaction's serial number.
    var serverTransactionSerial: UInt64 = 0
    var dialogTerminated: (@Sendable (SIPDialogID, String) -> Void)?
    /// A synchronous transaction user that sees each new request before the async handlers and returns true when it
    /// takes it (it must then answer through `respond`). The user agent leaves it nil; tests drive the stack with it.
    var synchronousCore: ((ServerTransaction) -> Bool)?
    var authenticator: DigestAuthenticator?
    var limits: SIPLimits
    /// Per-source limits: request rate, TCP connections, trusted sources, refusal counters.
    let sourceGuard: SIPSourceGuard
    /// Records the state gauges while the stack runs.
    var gaugeTask: RepeatedTask?
    /// Set on the loop when the user agent stops: no client transaction starts after it.
    var stopped = false
    /// Open until the user agent stops; the only lock here: code off the loop hops on through it (`SIPStack+Hop`).
    let gate = Mutex(true)
    /// Token bucket for answers to malformed requests: a flood of junk gets a few answers, not one each.
    private var errorAnswerTokens: Double = 200
    private var errorAnswerRefill = NIODeadline.now()
    static let errorAnswersPerSecond: Double = 200

    /// Extensions we implement, for Supported and for checking Require (RFC 3261 §8.2.2.3).
    static let supportedExtensions = ["timer", "replaces"]

    init(eventLoop: any EventLoop, configuration: SIPConfiguration, logger: Logger) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.timers = configuration.timers
        self.logger = logger
        self.advertisedHost = configuration.address == "0.0.0.0" ? "127.0.0.1" : configuration.address
        self.advertisedPort = configuration.port
        self.advertisedTLSPort = configuration.tls.port
        var limits = SIPLimits()
        limits.maxMessageBytes = configuration.maxMessageBytes
        self.limits = limits
        self.sourceGuard = SIPSourceGuard(configuration: configuration, logger: logger)
    }

    /// The methods a request may use here: the ones with a handler, plus what the stack answers itself.
    var allowedMethods: [SIPMethod] {
        var methods: [SIPMethod] = [.invite, .ack, .cancel, .bye, .options]
        for m in handlers.keys where !methods.contains(m) { methods.append(m) }
        return methods
    }

    var stateCounts: SIPStateCounts {
        var counts = SIPStateCounts()
        counts.dialogs = dialogs.count
        counts.serverTransactions = serverTransactions.count
        counts.clientTransactions = clientTransactions.count
        counts.mergeIndex = mergeIndex.count
        return counts
    }

    var allowHeader: String { allowedMethods.map(\.rawValue).joined(separator: ", ") }

    // MARK: - Inbound

    /// A datagram (UDP) arrived from `peer`.
    func receive(datagram bytes: UnsafeRawBufferPointer, from peer: SIPPeer) {
        eventLoop.preconditionInEventLoop()
        if bytes.allSatisfy({ $0 == 0x0D || $0 == 0x0A || $0 == 0x20 }) { return }  // keep-alive (RFC 5626 §4.4.1)
        // Every datagram counts against its source's rate before it costs a parse. Over the rate, a request may get
        // one of the episode's few 503s; a response (or junk that starts like one) is dropped unanswered.
        switch sourceGuard.admitRequest(from: peer, now: eventLoop.now) {
        case .admit: break
        case .refuseSilently: return
        case .refuseAndAnswer:
            if !Self.startsLikeResponse(bytes), case .success(.request(let request)) = SIPMessageParser.parseDatagram(bytes, limits: limits) {
                answerOverRate(request, from: peer, budget: bytes.count)
            }
            return
        }
        switch SIPMessageParser.parseDatagram(bytes, limits: limits) {
        case .success(let message):
            receive(message, from: peer, size: bytes.count)
        case .failure(let error):
            rejectMalformed(error, from: peer)
        }
    }

    /// A parsed message arrived from `peer`; `size` is its datagram's length (0 on streams), the budget for what
    /// answering it may send back (see ``amplificationFactor``).
    func receive(_ message: SIPMessage, from peer: SIPPeer, size: Int = 0) {
        eventLoop.preconditionInEventLoop()
        counters.messagesReceived &+= 1
        switch message {
        case .request(let request): receiveRequest(request, from: peer, size: size)
        case .response(let response): receiveResponse(response, from: peer)
        }
    }

    /// A message that could not be parsed: answered statelessly when it looked like a request (RFC 3261 §16.3 /
    /// RFC 4475 expectations), dropped when it was a response.
    func rejectMalformed(_ error: SIPParseError, from peer: SIPPeer) {
        counters.parseErrors &+= 1
        logger.debug("malformed SIP message", metadata: ["peer": "\(peer)", "reason": "\(error.reason)"])
        guard error.isRequest != false else { return }
        let salvaged = error.salvagedHeaders
        guard salvaged["Via"] != nil, salvaged["Call-ID"] != nil || salvaged["CSeq"] != nil else { return }
        guard takeErrorAnswerToken() else {
            counters.errorAnswersSuppressed &+= 1
            return
        }
        var headers = SIPHeaders()
        for via in salvaged.values("Via") { headers.add("Via", via) }
        for name in ["From", "To", "Call-ID", "CSeq"] {
            if let value = salvaged[name] { headers.add(name, value) }
        }
        var response = SIPResponse(statusCode: error.status, reason: Self.reasonPhrase(error.status, error.reason), headers: headers)
        addToTagIfMissing(&response, tag: SIPIdentifiers.tag())
        response.headers.add("Warning", "399 \(advertisedHost) \"\(Self.quoted(error.reason))\"")
        counters.rejectedRequests &+= 1
        sendStateless(response, requestVias: salvaged.values("Via").compactMap(SIPVia.init), to: peer)
    }

    /// Whether a datagram begins with `SIP/2.0 `, the start of every response.
    static func startsLikeResponse(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let prefix: [UInt8] = Array("SIP/2.0 ".utf8)
        guard bytes.count >= prefix.count else { return false }
        for (i, byte) in prefix.enumerated() where bytes[i] != byte { return false }
        return true
    }

    /// A request that arrived on a stream (TCP): false when its source is over its rate and it must be dropped.
    func admitStreamRequest(_ request: SIPRequest, from peer: SIPPeer) -> Bool {
        switch sourceGuard.admitRequest(from: peer, now: eventLoop.now) {
        case .admit: return true
        case .refuseSilently: return false
        case .refuseAndAnswer:
            answerOverRate(request, from: peer, budget: limits.maxMessageBytes)
            return false
        }
    }

    /// `503 Service Unavailable` with Retry-After for a source over its rate, sent without a transaction and only when
    /// it is no bigger than `budget` (the request's size): a refusal never amplifies. ACK is never answered.
    func answerOverRate(_ request: SIPRequest, from peer: SIPPeer, budget: Int) {
        guard request.method != .ack else { return }
        var response = SIPResponse(statusCode: 503, reason: "Service Unavailable", headers: Self.responseHeaders(for: request))
        addToTagIfMissing(&response, tag: SIPIdentifiers.tag())
        let retry = max(1, configuration.requestBurstPerSource / max(1, configuration.requestsPerSecondPerSource))
        response.headers.add("Retry-After", "\(retry)")
        let bytes = response.serialized()
        guard bytes.count <= budget else {
            counters.errorAnswersSuppressed &+= 1
            return
        }
        counters.rejectedRequests &+= 1
        sendStateless(response, requestVias: request.vias, to: peer)
    }

    private func takeErrorAnswerToken() -> Bool {
        let now = NIODeadline.now()
        let elapsed = Double((now - errorAnswerRefill).nanoseconds) / 1e9
        errorAnswerRefill = now
        errorAnswerTokens = min(Self.errorAnswersPerSecond, errorAnswerTokens + elapsed * Self.errorAnswersPerSecond)
        guard errorAnswerTokens >= 1 else { return false }
        errorAnswerTokens -= 1
        return true
    }

    // MARK: - Sending

    func send(_ message: SIPMessage, to peer: SIPPeer) -> EventLoopFuture<Void> {
        var buffer = ByteBufferAllocator().buffer(capacity: 1_024)
        buffer.writeBytes(message.serialized())
        return send(buffer, to: peer)
    }

    func send(_ bytes: ByteBuffer, to peer: SIPPeer) -> EventLoopFuture<Void> {
        guard let transmitter else {
            return eventLoop.makeFailedFuture(SIPError(.notRunning, "the SIP stack is not running"))
        }
        return transmitter.send(bytes, to: peer)
    }

    /// Sends a response not tied to a transaction (errors for malformed or rejected requests).
    func sendStateless(_ response: SIPResponse, requestVias: [SIPVia], to peer: SIPPeer) {
        let target = responsePeer(topVia: requestVias.first, receivedFrom: peer)
        send(.response(response), to: target).whenFailure { [logger] error in
            logger.debug("could not send a stateless response", metadata: ["peer": "\(target)", "error": "\(error)"])
        }
    }

    /// Where a response goes (RFC 3261 §18.2.2, RFC 3581 §4): back over the same connection for TCP; for UDP to the
    /// source address, at the source port when `rport` was asked for, else at the sent-by port. The host is always the
    /// source address (which §18.2.1 records in `received`), never a host named inside the message, so a forged Via
    /// cannot make the server send anywhere but back.
    func responsePeer(topVia: SIPVia?, receivedFrom peer: SIPPeer) -> SIPPeer {
        guard peer.transport == .udp, let via = topVia else { return peer }
        if case .some = via.rport { return peer }
        let port = via.port ?? 5060
        if let address = try? SocketAddress(ipAddress: peer.host, port: port) {
            return SIPPeer(transport: .udp, address: address)
        }
        return peer
    }

    // MARK: - Helpers

    static func reasonPhrase(_ status: Int, _ detail: String) -> String {
        let cleaned = String(detail.unicodeScalars.filter { $0 != "\r" && $0 != "\n" }.prefix(120).map(Character.init))
        return cleaned.isEmpty ? SIPResponse.reasonPhrase(for: status) : cleaned
    }

    static func quoted(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0 != "\r" && $0 != "\n" && $0 != "\"" && $0 != "\\" }.prefix(200).map(Character.init))
    }

    func addToTagIfMissing(_ response: inout SIPResponse, tag: String) {
        guard response.statusCode > 100, let toValue = response.headers["To"], var to = SIPNameAddress(toValue), to.tag == nil
        else { return }
        to.tag = tag
        response.headers.set("To", to.description)
    }

    func schedule(in delay: TimeAmount, _ body: @escaping () -> Void) -> Scheduled<Void> {
        eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: delay) { body() }
    }
}

extension String {
    /// An IPv6 literal without its brackets.
    var trimmingBrackets: String {
        if hasPrefix("["), hasSuffix("]") { return String(dropFirst().dropLast()) }
        return self
    }
}

