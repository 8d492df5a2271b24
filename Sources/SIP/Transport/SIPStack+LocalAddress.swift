public import NIOCore
import SIPWire

#if canImport(Glibc)
import Glibc
#endif

/// Which of our addresses a peer can reach us at, for Via and Contact: `sip.advertisedAddress` when set (NAT, a
/// public name), else the local address the peer's message arrived on, else the listening address when it is not a
/// wildcard, else the address the kernel would send from toward the peer, else the stack's fallback. A peer on another
/// host is never told 127.0.0.1 just because we listen on 0.0.0.0.
extension SIPStack {
    /// The host for Via and Contact in messages to or from `peer`.
    func localHost(for peer: SIPPeer) -> String {
        if let configured = configuration.advertisedAddress { return configured }
        if let local = SIPLocalAddress.specific(peer.localAddress) { return local }
        if !SIPLocalAddress.isWildcard(configuration.address) { return configuration.address }
        if let routed = SIPLocalAddress.source(toward: peer.address) { return routed }
        return advertisedHost
    }

    /// The port for Via and Contact: the TLS listener's for TLS, the UDP/TCP port otherwise.
    func localPort(for transport: SIPTransportKind) -> Int {
        transport == .tls ? advertisedTLSPort : advertisedPort
    }

    /// Our Via for a request sent to `peer` (RFC 3261 §18.1.1: the transport and where responses reach us), with rport.
    func localVia(for peer: SIPPeer, branch: String) -> SIPVia {
        var via = SIPVia(transport: peer.transport.rawValue, host: localHost(for: peer), port: localPort(for: peer.transport), branch: branch)
        via.rport = .some(nil)
        return via
    }
}

/// Addresses of this host, without blocking: no name is resolved here.
public enum SIPLocalAddress {
    /// `0.0.0.0`, `::` and the empty string listen everywhere and name no address.
    public static func isWildcard(_ host: String) -> Bool {
        host.isEmpty || host == "0.0.0.0" || host == "::" || host == "[::]"
    }

    /// The IP address of `address` when it is a specific one (not a wildcard), as text (IPv6 in brackets).
    public static func specific(_ address: SocketAddress?) -> String? {
        guard let ip = address?.ipAddress, !isWildcard(ip) else { return nil }
        return ip.contains(":") ? "[\(ip)]" : ip
    }

    /// The source address the kernel picks for packets to `remote` (a UDP socket `connect`, which sends nothing and
    /// does not block, then `getsockname`); nil when there is no route.
    public static func source(toward remote: SocketAddress) -> String? {
        guard case .v4(let v4) = remote else { return nil }
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var target = v4.address
        let connected = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        guard inet_ntop(AF_INET, &local.sin_addr, &text, socklen_t(text.count)) != nil else { return nil }
        let host = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return isWildcard(host) ? nil : host
    }
}
