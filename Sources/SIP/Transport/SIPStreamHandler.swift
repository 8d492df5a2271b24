import NIOCore
import NIOTLS
import SIPWire

/// TCP and TLS: messages framed by Content-Length (RFC 3261 §18.3); a framing error closes the connection. An accepted
/// connection counts against its source's and the total connection limits, must deliver a complete message within
/// `sip.tcpHeaderTimeoutSeconds` of opening or of a message's first byte, and every connection closes after
/// `sip.tcpIdleTimeoutSeconds` without traffic (an `IdleStateHandler` ahead of this one says when).
final class SIPStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let stack: SIPStack
    private weak var transport: SIPNetworkTransport?
    private var framer: SIPStreamFramer
    private var peer: SIPPeer?
    /// Whether a peer opened this connection to us (and so counts against the connection limits).
    private let accepted: Bool
    private var counted = false
    private var headerTimer: Scheduled<Void>?
    /// TCP, or TLS when a TLS handler decrypts ahead of this one.
    private let kind: SIPTransportKind
    /// TLS: whether the handshake completed (a failure before that is a handshake failure, counted).
    private var handshakeCompleted = false

    init(stack: SIPStack, transport: SIPNetworkTransport?, accepted: Bool, kind: SIPTransportKind = .tcp) {
        self.stack = stack
        self.transport = transport
        self.accepted = accepted
        self.kind = kind
        self.framer = SIPStreamFramer(limits: stack.limits)
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let remote = context.channel.remoteAddress else {
            context.fireChannelActive()
            return
        }
        if accepted {
            if stack.sourceGuard.openConnection(from: remote, now: context.eventLoop.now) != nil {
                context.close(promise: nil)
                return
            }
            counted = true
            armHeaderTimer(context: context)
        }
        let peer = SIPPeer(transport: kind, address: remote, localAddress: context.channel.localAddress)
        self.peer = peer
        transport?.register(context.channel, for: peer)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        headerTimer?.cancel()
        headerTimer = nil
        if let peer { transport?.unregister(peer) }
        if counted, let remote = peer?.address ?? context.channel.remoteAddress {
            counted = false
            stack.sourceGuard.closeConnection(from: remote)
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let peer else { return }
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { framer.append($0) }
        var delivered = false
        while let result = framer.next() {
            delivered = true
            switch result {
            case .success(.request(let request)):
                if stack.admitStreamRequest(request, from: peer) { stack.receive(.request(request), from: peer) }
            case .success(let message): stack.receive(message, from: peer)
            case .failure(let error): stack.rejectMalformed(error, from: peer)
            }
            if framer.mustClose {
                stack.logger.debug("closing a stream connection after a framing error", metadata: ["peer": "\(peer)"])
                context.close(promise: nil)
                return
            }
        }
        if delivered {
            headerTimer?.cancel()
            headerTimer = nil
        }
        if accepted, headerTimer == nil, framer.bufferedByteCount > 0 { armHeaderTimer(context: context) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent { handshakeCompleted = true }
        if event is IdleStateHandler.IdleStateEvent, let peer {
            stack.sourceGuard.timedOut(.idleTimeout, peer: peer, now: context.eventLoop.now)
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if kind == .tls, !handshakeCompleted, let remote = peer?.address ?? context.channel.remoteAddress {
            handshakeCompleted = true  // counted once
            stack.sourceGuard.tlsHandshakeFailed(
                peer: SIPPeer(transport: .tls, address: remote), accepted: accepted, error: error, now: context.eventLoop.now)
        }
        context.close(promise: nil)
    }

    private func armHeaderTimer(context: ChannelHandlerContext) {
        let seconds = Int64(stack.configuration.tcpHeaderTimeoutSeconds)
        let channel = context.channel
        let stack = self.stack
        let remote = channel.remoteAddress
        let kind = self.kind
        headerTimer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: .seconds(seconds)) {
            if let remote { stack.sourceGuard.timedOut(.headerTimeout, peer: SIPPeer(transport: kind, address: remote), now: channel.eventLoop.now) }
            channel.close(promise: nil)
        }
    }
}
