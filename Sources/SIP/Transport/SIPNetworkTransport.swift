import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SIPWire

/// The sockets of the stack on SwiftNIO: one UDP socket, one TCP listener, one TLS listener (when `sip.tls` is on), and
/// the TCP and TLS connections (accepted or opened) keyed by transport and remote address so responses and in-dialog
/// requests reuse them. TLS connections are TCP connections with a TLS handler first: the same framing, per-source
/// limits and timeouts apply (the header timer runs from the TCP accept, so a stalled handshake is closed by it too).
/// Lives on the stack's event loop.
final class SIPNetworkTransport: SIPTransmitter, @unchecked Sendable {
    private let stack: SIPStack
    private var udpChannel: (any Channel)?
    private var tcpListener: (any Channel)?
    private var tlsListener: (any Channel)?
    private var tls: SIPTLSContexts?
    private var connections: [SIPPeer: any Channel] = [:]

    init(stack: SIPStack) {
        self.stack = stack
    }

    /// Binds the configured sockets; returns what is listening.
    func start(host: String, port: Int, udp: Bool, tcp: Bool, tls: SIPTLSContexts? = nil, tlsPort: Int = 5061) async throws -> [SIPPeer] {
        // With port 0 the system picks the UDP port and TCP takes the same one, which a TCP socket may already hold
        // (an ephemeral port of some connection): then both are given back and another port is picked.
        let attempts = port == 0 && udp && tcp ? 8 : 1
        var attempt = 1
        while true {
            do {
                return try await bind(host: host, port: port, udp: udp, tcp: tcp, tls: tls, tlsPort: tlsPort)
            } catch let error as SharedPortTaken where attempt < attempts {
                try? await error.udp.close().get()
                udpChannel = nil
                attempt += 1
            } catch let error as SharedPortTaken {
                try? await error.udp.close().get()
                udpChannel = nil
                throw error.underlying
            }
        }
    }

    /// The TCP listener could not take the port the system gave UDP.
    private struct SharedPortTaken: Error {
        let udp: any Channel
        let underlying: any Error
    }

    private func bind(host: String, port: Int, udp: Bool, tcp: Bool, tls: SIPTLSContexts?, tlsPort: Int) async throws -> [SIPPeer] {
        var bound: [SIPPeer] = []
        let loop = stack.eventLoop
        let stack = self.stack
        if udp {
            let channel = try await DatagramBootstrap(group: loop)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                // Read up to 16 datagrams per system call (recvmmsg) and let the kernel queue bursts, so a flood of
                // junk cannot crowd out the requests that matter. NIO splits the receive buffer evenly between the
                // datagrams of one read: 16 × 64 KiB keeps every datagram whole (RFC 3261 §18.1.1 allows large ones).
                .channelOption(.datagramVectorReadMessageCount, value: 16)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 16 * 65_536))
                .channelOption(.socketOption(.so_rcvbuf), value: 4 * 1_024 * 1_024)
                // Which local address each datagram arrived on (IP_PKTINFO): the address to put in our answers.
                .channelOption(.receivePacketInfo, value: true)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(SIPDatagramHandler(stack: stack))
                    }
                }
                .bind(host: host, port: port).get()
            udpChannel = channel
            if let address = channel.localAddress { bound.append(SIPPeer(transport: .udp, address: address)) }
        }
        if tcp {
            // Use the UDP port when port 0 asked the system for one, so both transports share a port.
            let tcpPort = port == 0 ? (bound.first?.port ?? 0) : port
            let bootstrap = ServerBootstrap(group: loop)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { [weak self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            IdleStateHandler(allTimeout: .seconds(Int64(stack.configuration.tcpIdleTimeoutSeconds))),
                            SIPStreamHandler(stack: stack, transport: self, accepted: true, kind: .tcp))
                    }
                }
            let listener: any Channel
            do {
                listener = try await bootstrap.bind(host: host, port: tcpPort).get()
            } catch {
                if port == 0, let udp = udpChannel { throw SharedPortTaken(udp: udp, underlying: error) }
                throw error
            }
            tcpListener = listener
            if let address = listener.localAddress { bound.append(SIPPeer(transport: .tcp, address: address)) }
        }
        if let tls {
            self.tls = tls
            let listener = try await ServerBootstrap(group: loop)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { [weak self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            NIOSSLServerHandler(context: tls.server),
                            IdleStateHandler(allTimeout: .seconds(Int64(stack.configuration.tcpIdleTimeoutSeconds))),
                            SIPStreamHandler(stack: stack, transport: self, accepted: true, kind: .tls))
                    }
                }
                .bind(host: host, port: tlsPort).get()
            tlsListener = listener
            if let address = listener.localAddress { bound.append(SIPPeer(transport: .tls, address: address)) }
        }
        return bound
    }

    func stop() async {
        let channels: [any Channel] = [udpChannel, tcpListener, tlsListener].compactMap { $0 } + Array(connections.values)
        for channel in channels { try? await channel.close().get() }
        udpChannel = nil
        tcpListener = nil
        tlsListener = nil
    }

    func send(_ bytes: ByteBuffer, to peer: SIPPeer) -> EventLoopFuture<Void> {
        let loop = stack.eventLoop
        return loop.flatSubmit {
            switch peer.transport {
            case .udp:
                guard let channel = self.udpChannel else {
                    return loop.makeFailedFuture(SIPError(.notRunning, "no UDP socket is open"))
                }
                return channel.writeAndFlush(AddressedEnvelope(remoteAddress: peer.address, data: bytes))
            case .tcp, .tls:
                if let connection = self.connections[peer] {
                    return connection.writeAndFlush(bytes)
                }
                return self.connect(to: peer).flatMap { $0.writeAndFlush(bytes) }
            }
        }
    }

    private func connect(to peer: SIPPeer) -> EventLoopFuture<any Channel> {
        let stack = self.stack
        let tls = peer.transport == .tls ? self.tls : nil
        if peer.transport == .tls, tls == nil {
            return stack.eventLoop.makeFailedFuture(SIPError(.transportFailure, "cannot send to \(peer) over TLS: sip.tls is not enabled"))
        }
        return ClientBootstrap(group: stack.eventLoop)
            .connectTimeout(.seconds(5))
            .channelInitializer { [weak self] channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try tls.clientHandler(for: peer)) }
                    try channel.pipeline.syncOperations.addHandlers(
                        IdleStateHandler(allTimeout: .seconds(Int64(stack.configuration.tcpIdleTimeoutSeconds))),
                        SIPStreamHandler(stack: stack, transport: self, accepted: false, kind: peer.transport))
                }
            }
            .connect(to: peer.address)
            .map { channel in
                self.connections[peer] = channel
                return channel
            }
    }

    func register(_ channel: any Channel, for peer: SIPPeer) { connections[peer] = channel }
    func unregister(_ peer: SIPPeer) { connections[peer] = nil }
}

/// UDP: each datagram is one message (RFC 3261 §18.3).
final class SIPDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let stack: SIPStack

    init(stack: SIPStack) { self.stack = stack }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let peer = SIPPeer(
            transport: .udp, address: envelope.remoteAddress, localAddress: envelope.metadata?.packetInfo?.destinationAddress)
        envelope.data.withUnsafeReadableBytes { stack.receive(datagram: $0, from: peer) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable and the like: a peer went away; nothing to do but note it.
        stack.logger.debug("UDP socket error", metadata: ["error": "\(error)"])
    }
}

