public import Logging
public import NIOCore
import NIOPosix
public import SIPWire

/// A SIP user agent on the Consort stack: it listens on UDP and TCP, answers requests through per-method handlers,
/// and sends requests (INVITE with an offer, BYE, NOTIFY, REFER, OPTIONS, …) returning their final responses.
/// The focus and the load generator are built on it.
public final class SIPUserAgent: Sendable {
    /// The settings.
    public let configuration: SIPConfiguration
    /// Locates servers for requests sent without an explicit next hop (RFC 3263: SRV, then A).
    public let resolver: SIPResolver
    let stack: SIPStack
    private let transport: SIPNetworkTransport
    private let ownedGroup: MultiThreadedEventLoopGroup?

    /// Creates a user agent. Without an event loop it runs its own one-thread loop.
    public init(configuration: SIPConfiguration = SIPConfiguration(), logger: Logger, eventLoop: (any EventLoop)? = nil) {
        self.configuration = configuration
        self.resolver = SIPResolver(configured: configuration.nameservers)
        var logger = logger
        logger[metadataKey: "subsystem"] = "sip"
        let loop: any EventLoop
        if let eventLoop {
            loop = eventLoop
            ownedGroup = nil
        } else {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            loop = group.next()
            ownedGroup = group
        }
        stack = SIPStack(eventLoop: loop, configuration: configuration, logger: logger)
        transport = SIPNetworkTransport(stack: stack)
        stack.transmitter = transport
    }

    /// Binds the sockets; returns what listens (port 0 in the configuration picks a free one). Throws when a port is
    /// taken or the address does not exist.
    @discardableResult
    /// Listens. With `acceptingRequests` false, new requests are answered 503 + Retry-After until ``acceptRequests()``
    /// (an application that needs the bound ports to build its handlers sets them in between).
    public func start(acceptingRequests: Bool = true) async throws -> [SIPPeer] {
        if let problem = configuration.validationProblem() { throw SIPError(.invalid, problem) }
        let tls = configuration.tls.enabled ? try SIPTLSContexts(configuration: configuration.tls) : nil
        let bound: [SIPPeer]
        do {
            bound = try await transport.start(
                host: configuration.address, port: configuration.port, udp: configuration.udp, tcp: configuration.tcp,
                tls: tls, tlsPort: configuration.tls.port)
        } catch {
            let text = "\(error)"
            let why = text.contains("Address already in use") ? "the port is taken (another server on it?)"
                : text.contains("Cannot assign requested address") ? "this machine has no such address" : text
            throw SIPError(
                .transportFailure,
                "SIP cannot listen on \(configuration.address):\(configuration.port): \(why); change sip.port / sip.address or pass --sip-port / --sip-address")
        }
        let stack = self.stack
        let plainPort = bound.first(where: { $0.transport != .tls })?.port
        let tlsPort = bound.first(where: { $0.transport == .tls })?.port
        try await stack.onLoop {
            stack.acceptingRequests = acceptingRequests
            if let plainPort { stack.advertisedPort = plainPort }
            if let tlsPort { stack.advertisedTLSPort = tlsPort }
            stack.startStateGauges()
        }
        return bound
    }

    /// New requests go to the handlers from now on (after `start(acceptingRequests: false)`).
    public func acceptRequests() async {
        let stack = self.stack
        _ = try? await stack.onLoop { stack.acceptingRequests = true }
    }

    /// Runs the request handlers, each as a child task, until ``stop()`` (then it returns once the running ones end).
    /// Run it beside the agent from ``start(acceptingRequests:)`` on — in the task group or service lifecycle that owns
    /// the agent: requests for which a handler is set wait until it runs. An agent that only sends requests and sets no
    /// handler need not run it.
    public func run() async {
        await stack.handlerWork.run()
    }

    /// Closes the sockets and stops the loop this agent owns. Every request still waiting for its answer fails, and so
    /// does every call from now on (`.notRunning`): none waits on a loop that is gone. ``run()`` returns once the
    /// handlers still running end. A second `stop()` returns at once.
    public func stop() async {
        let stack = self.stack
        defer { stack.handlerWork.finish() }
        guard stack.closeGate() else { return }
        // The last work handed to the loop from outside: whatever came through the gate before runs ahead of it.
        try? await stack.eventLoop.submit {
            stack.stopStateGauges()
            stack.abandonClientTransactions()
        }.get()
        await transport.stop()
        try? await ownedGroup?.shutdownGracefully()
    }

    /// Sets the host written into Via and Contact when neither `sip.advertisedAddress`, nor the address a peer's message
    /// arrived on, nor a specific listening address, nor a route toward the peer names one (default 127.0.0.1).
    public func setAdvertisedHost(_ host: String) async {
        let stack = self.stack
        _ = try? await stack.onLoop { stack.advertisedHost = host }
    }

    /// Installs the handler for requests of `method`. OPTIONS, BYE and CANCEL are answered by the stack unless a handler
    /// is set; methods without a handler are refused (405/501 with Allow).
    public func setHandler(_ method: SIPMethod, _ handler: @escaping @Sendable (SIPIncomingRequest) async -> Void) async {
        let stack = self.stack
        _ = try? await stack.onLoop { stack.handlers[method] = handler }
    }

    /// Called when a dialog ends (BYE either way, no ACK, session expiry).
    public func onDialogTerminated(_ body: @escaping @Sendable (SIPDialogID, String) -> Void) async {
        let stack = self.stack
        _ = try? await stack.onLoop { stack.dialogTerminated = body }
    }

    /// What the stack has counted so far.
    public var counters: SIPCounters {
        get async {
            let stack = self.stack
            return (try? await stack.onLoop { stack.counters }) ?? SIPCounters()
        }
    }

    /// Dialogs in progress.
    public var dialogCount: Int {
        get async {
            let stack = self.stack
            return (try? await stack.onLoop { stack.dialogs.count }) ?? 0
        }
    }

    /// The dialogs and transactions the stack holds now.
    public var stateCounts: SIPStateCounts {
        get async {
            let stack = self.stack
            return (try? await stack.onLoop { stack.stateCounts }) ?? SIPStateCounts()
        }
    }

    /// What the per-source limits have refused since start, by reason (also `consort_sip_refused_total{reason}`).
    public var refusals: [SIPRefusalReason: UInt64] {
        get async {
            let stack = self.stack
            return (try? await stack.onLoop { stack.sourceGuard.refusals }) ?? [:]
        }
    }

    /// TLS connections this agent opened whose handshake failed (also `consort_sip_tls_outbound_failures_total`).
    public var outboundTLSFailures: UInt64 {
        get async {
            let stack = self.stack
            return (try? await stack.onLoop { stack.sourceGuard.outboundTLSFailures }) ?? 0
        }
    }

    /// Open TCP connections that peers opened to us (counted against `sip.tcpConnectionsTotal`).
    public var acceptedConnections: Int {
        get async {
            let stack = self.stack
            return (try? await stack.onLoop { stack.sourceGuard.tcpTotal }) ?? 0
        }
    }

    // MARK: - Outgoing requests

    /// Sends an out-of-dialog request (OPTIONS, MESSAGE, NOTIFY, REFER, REGISTER, …) and returns its final response.
    /// A 401/407 is answered once with `credentials` when given. Throws ``SIPError`` on timeout or transport failure.
    public func request(
        _ method: SIPMethod, to uri: SIPURI, from: SIPNameAddress? = nil, headers: [(String, String)] = [],
        body: [UInt8] = [], contentType: String? = nil, via peer: SIPPeer? = nil, credentials: SIPCredentials? = nil
    ) async throws -> SIPResponse {
        let request = try await makeRequest(method, to: uri, from: from, headers: headers, body: body, contentType: contentType)
        return try await send(request, via: peer, credentials: credentials, onProvisional: nil).response
    }

    /// Sends a request that creates a dialog when accepted (SUBSCRIBE, REFER; RFC 6665, RFC 3515) and returns the
    /// final response with the dialog a 2xx established, for the NOTIFYs that follow and for unsubscribing.
    public func requestDialog(
        _ method: SIPMethod, to uri: SIPURI, from: SIPNameAddress? = nil, headers: [(String, String)] = [],
        body: [UInt8] = [], contentType: String? = nil, via peer: SIPPeer? = nil, credentials: SIPCredentials? = nil
    ) async throws -> (response: SIPResponse, dialog: SIPDialogHandle?) {
        let request = try await makeRequest(method, to: uri, from: from, headers: headers, body: body, contentType: contentType)
        let (response, sent, target) = try await send(request, via: peer, credentials: credentials, onProvisional: nil)
        guard (200..<300).contains(response.statusCode) else { return (response, nil) }
        let stack = self.stack
        let id = try await stack.onLoop { stack.establishClientDialog(request: sent, response: response, peer: target)?.id }
        return (response, id.map { SIPDialogHandle(id: $0, stack: stack) })
    }

    /// Calls `uri` with an INVITE carrying `body` (an SDP offer) and returns the established call once a 2xx arrived
    /// (it is ACKed). A final error response throws ``SIPError`` `.rejected` with the response; cancelling the task
    /// sends CANCEL.
    public func invite(
        _ uri: SIPURI, from: SIPNameAddress? = nil, body: [UInt8], contentType: String = "application/sdp",
        headers: [(String, String)] = [], via peer: SIPPeer? = nil, credentials: SIPCredentials? = nil,
        onProvisional: (@Sendable (SIPResponse) -> Void)? = nil
    ) async throws -> SIPOutgoingCall {
        let request = try await makeRequest(.invite, to: uri, from: from, headers: headers, body: body, contentType: contentType)
        let (response, sent, target) = try await send(request, via: peer, credentials: credentials, onProvisional: onProvisional)
        guard (200..<300).contains(response.statusCode) else {
            throw SIPError(.rejected, "INVITE to \(uri) was answered \(response.statusCode) \(response.reason)", response: response)
        }
        let stack = self.stack
        let id = try await stack.onLoop { () -> SIPDialogID in
            guard let dialog = stack.establishClientDialog(request: sent, response: response, peer: target) else {
                throw SIPError(.invalid, "the 2xx to INVITE lacks the tags that make a dialog")
            }
            stack.sendACK(for: response, dialog: dialog)
            stack.armSessionTimer(dialog, response: response, weAreServer: false)
            return dialog.id
        }
        return SIPOutgoingCall(response: response, dialog: SIPDialogHandle(id: id, stack: stack))
    }

    private func makeRequest(
        _ method: SIPMethod, to uri: SIPURI, from: SIPNameAddress?, headers: [(String, String)], body: [UInt8],
        contentType: String?
    ) async throws -> SIPRequest {
        let stack = self.stack
        return try await stack.onLoop {
            var fromAddress = from ?? SIPNameAddress(uri: SIPURI(user: "consort", host: stack.advertisedHost))
            if fromAddress.tag == nil { fromAddress.tag = SIPIdentifiers.tag() }
            var h = SIPHeaders()
            h.add("Max-Forwards", "70")
            h.add("From", fromAddress.description)
            h.add("To", SIPNameAddress(uri: uri).description)
            h.add("Call-ID", SIPIdentifiers.callID(host: stack.advertisedHost))
            h.add("CSeq", SIPCSeq(1, method).description)
            if [.invite, .subscribe, .refer].contains(method) {
                h.add("Allow", stack.allowHeader)
                h.add("Supported", SIPStack.supportedExtensions.joined(separator: ", "))
            }
            h.add("User-Agent", stack.configuration.userAgent)
            if let contentType, !body.isEmpty { h.add("Content-Type", contentType) }
            for (name, value) in headers { h.add(name, value) }
            return SIPRequest(method: method, uri: uri, headers: h, body: body)
        }
    }

    /// Sends in a client transaction; answers one 401/407 with credentials; CANCELs an INVITE when the task is cancelled.
    private func send(
        _ request: SIPRequest, via explicitPeer: SIPPeer?, credentials: SIPCredentials?,
        onProvisional: (@Sendable (SIPResponse) -> Void)?
    ) async throws -> (response: SIPResponse, request: SIPRequest, peer: SIPPeer) {
        var located = explicitPeer
        if located == nil { located = await resolver.locate(request.uri).first }
        guard let peer = located else {
            throw SIPError(.transportFailure, "cannot resolve \(request.uri.host) for \(request.method.rawValue)")
        }
        var current = request
        if [.invite, .subscribe, .refer].contains(request.method), !request.headers.contains("Contact") {
            // Contact names the address this peer reaches us at, over the transport it is reached by.
            let stack = self.stack
            current = try await stack.onLoop {
                var withContact = request
                var contact = stack.localContact(for: peer)
                contact.uri.user = request.from?.uri.user
                if request.uri.scheme == .sips {
                    // sips: already means TLS (RFC 5630 §3.3: transport=tls is deprecated).
                    contact.uri.scheme = .sips
                    contact.uri.parameters.removeAll { $0.name.lowercased() == "transport" }
                }
                withContact.headers.add("Contact", contact.description)
                return withContact
            }
        }
        var attempt = 0
        while true {
            attempt += 1
            let stack = self.stack
            let branch = SIPIdentifiers.branch()
            let toSend = current
            let response: SIPResponse = try await withTaskCancellationHandler {
                try await stack.onLoopAwaiting {
                    stack.startClientTransaction(toSend, to: peer, onProvisional: onProvisional, branch: branch)
                }
            } onCancel: {
                // Handed to the loop behind the transaction's start, so the CANCEL finds it.
                if toSend.method == .invite {
                    stack.executeIfRunning { stack.sendCANCEL(for: toSend, branch: branch, to: peer) }
                }
            }
            if (response.statusCode == 401 || response.statusCode == 407), attempt == 1, let credentials {
                let challengeHeader = response.statusCode == 401 ? "WWW-Authenticate" : "Proxy-Authenticate"
                let answerHeader = response.statusCode == 401 ? "Authorization" : "Proxy-Authorization"
                let challenges = response.headers.values(challengeHeader).compactMap(SIPDigestChallenge.init)
                if let value = challenges.lazy.compactMap({
                    credentials.authorization(for: $0, method: toSend.method, uri: toSend.uri.description)
                }).first {
                    current.headers.add(answerHeader, value)
                    if let cseq = current.cseq {
                        current.headers.set("CSeq", SIPCSeq(cseq.sequence &+ 1, cseq.method).description)
                    }
                    continue
                }
            }
            return (response, toSend, peer)
        }
    }

    /// The socket address for a URI whose host is an IP address, and its port (5060, or 5061 for sips and TLS); nil for
    /// a host name. Never blocks: names are looked up by ``SIPResolver/locate(_:)``, off the event loops.
    public static func resolve(_ uri: SIPURI, defaultTransport: SIPTransportKind) -> SIPPeer? {
        var transport = defaultTransport
        if let t = uri.transportParameter?.uppercased(), let kind = SIPTransportKind(rawValue: t) { transport = kind }
        if uri.scheme == .sips { transport = .tls }
        let port = uri.port ?? (transport == .tls ? 5061 : 5060)
        let host = uri.host.trimmingBrackets
        guard let address = try? SocketAddress(ipAddress: host, port: port) else { return nil }
        return SIPPeer(transport: transport, address: address)
    }
}

/// A call this agent placed and that was answered.
public struct SIPOutgoingCall: Sendable {
    /// The 2xx (with the SDP answer).
    public let response: SIPResponse
    /// The dialog, for BYE and re-INVITE.
    public let dialog: SIPDialogHandle
}

extension SIPStack {
    /// CANCEL for a pending INVITE (RFC 3261 §9.1): same Request-URI, Call-ID, From, To, CSeq number and branch.
    func sendCANCEL(for invite: SIPRequest, branch: String, to peer: SIPPeer) {
        guard let t = clientTransactions[TransactionKey.client(branch: branch, method: .invite)], !t.finalDelivered,
            t.state != .completed
        else { return }
        var headers = SIPHeaders()
        for name in ["From", "To", "Call-ID"] { if let v = invite.headers[name] { headers.add(name, v) } }
        headers.add("CSeq", SIPCSeq(invite.cseq?.sequence ?? 1, .cancel).description)
        for route in invite.headers.values("Route") { headers.add("Route", route) }
        let cancel = SIPRequest(method: .cancel, uri: invite.uri, headers: headers)
        startClientTransaction(cancel, to: peer, onProvisional: nil, branch: branch).whenComplete { _ in }
    }
}
