public import NIOCore

/// The transport protocols SIP runs over (RFC 3261 §18, §26: TLS over TCP).
public enum SIPTransportKind: String, Sendable, Hashable, CaseIterable {
    case udp = "UDP"
    case tcp = "TCP"
    case tls = "TLS"

    /// Whether the transport itself retransmits (no SIP-level retransmission needed).
    public var isReliable: Bool { self != .udp }
}

/// The other end of a message: its transport and socket address.
public struct SIPPeer: Sendable, Hashable, CustomStringConvertible {
    public var transport: SIPTransportKind
    public var address: SocketAddress
    /// The local address the message arrived on, when known (IP_PKTINFO for UDP, the socket for TCP). Not part of
    /// the peer's identity.
    public var localAddress: SocketAddress?
    /// The host name the peer was found by, for TLS server name indication and certificate verification; nil: the
    /// certificate must name the IP address. Not part of the peer's identity.
    public var serverName: String?

    public init(transport: SIPTransportKind, address: SocketAddress, localAddress: SocketAddress? = nil, serverName: String? = nil) {
        self.transport = transport
        self.address = address
        self.localAddress = localAddress
        self.serverName = serverName
    }

    /// A peer at an IP address literal (`127.0.0.1`, `::1`); throws for anything else.
    public init(transport: SIPTransportKind, ipAddress: String, port: Int) throws {
        self.init(transport: transport, address: try SocketAddress(ipAddress: ipAddress, port: port))
    }

    public static func == (a: SIPPeer, b: SIPPeer) -> Bool { a.transport == b.transport && a.address == b.address }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(transport)
        hasher.combine(address)
    }

    /// The peer's IP address as text.
    public var host: String { address.ipAddress ?? "" }
    /// The peer's port.
    public var port: Int { address.port ?? 0 }

    public var description: String { "\(transport.rawValue.lowercased()):\(host):\(port)" }
}

/// Sends serialised messages; implemented by the UDP/TCP transports and by test doubles.
protocol SIPTransmitter: Sendable {
    /// Sends `bytes` to `peer`; the future fails when the message could not be handed to the network.
    func send(_ bytes: ByteBuffer, to peer: SIPPeer) -> EventLoopFuture<Void>
}
