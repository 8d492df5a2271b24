import Dispatch
import NIOCore
import NIOPosix
public import SIPWire

#if canImport(Glibc)
import Glibc
#endif

/// Locating a SIP server (RFC 3263 §4): an IP address is used as it is; a name with a port is looked up (A); a name
/// without one by SRV (RFC 2782: `_sip._udp`, then `_sip._tcp`; `_sips._tcp` for sips), targets in priority order
/// and, within a priority, heavier first; with no SRV record the name itself on the default port. NAPTR is not
/// consulted (our transports are UDP, TCP and TLS, which SRV alone selects). DNS is asked over UDP with a 1 s timeout
/// per server and try; when no server answers, the system resolver (getaddrinfo) has the last word. Every blocking
/// call (the UDP exchange, getaddrinfo) runs on NIO's blocking-I/O thread pool, never on an event loop or in the
/// cooperative pool.
public struct SIPResolver: Sendable {
    /// DNS servers as (IPv4 address, port).
    public let nameservers: [(host: String, port: UInt16)]
    public var timeoutMilliseconds = 1_000

    /// `configured`: "address" or "address:port" entries; empty: the nameservers of /etc/resolv.conf.
    public init(configured: [String]) {
        let given = configured.compactMap(Self.nameserver)
        nameservers = given.isEmpty ? Self.systemNameservers() : given
    }

    /// "192.0.2.1" or "192.0.2.1:5353" as (address, port); nil for anything else.
    public static func nameserver(_ text: String) -> (host: String, port: UInt16)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let host = parts.first.map(String.init), isIPv4(host) else { return nil }
        guard parts.count == 2 else { return (host, 53) }
        guard let port = UInt16(parts[1]), port > 0 else { return nil }
        return (host, port)
    }

    /// Where to send a request for `uri`, best first.
    public func locate(_ uri: SIPURI) async -> [SIPPeer] {
        var transport: SIPTransportKind = .udp
        if let t = uri.transportParameter?.uppercased(), let kind = SIPTransportKind(rawValue: t) { transport = kind }
        if uri.scheme == .sips { transport = .tls }
        let host = uri.host.trimmingBrackets
        let defaultPort = transport == .tls ? 5061 : 5060
        if Self.isIPv4(host) || host.contains(":") {
            return SIPUserAgent.resolve(uri, defaultTransport: transport).map { [$0] } ?? []
        }
        if let port = uri.port {
            let found = await addresses(of: host).compactMap { try? SIPPeer(transport: transport, ipAddress: $0, port: port) }
                .map { peer in var named = peer; named.serverName = host; return named }
            return found.isEmpty ? await fallback(uri, transport) : found
        }
        let services: [(String, SIPTransportKind)] =
            uri.scheme == .sips ? [("_sips._tcp", .tls)]
            : uri.transportParameter != nil ? [(transport == .tcp ? "_sip._tcp" : "_sip._udp", transport)]
            : [("_sip._udp", .udp), ("_sip._tcp", .tcp)]
        for (service, kind) in services {
            let records = await serviceRecords("\(service).\(host)")
                .sorted { ($0.priority, -Int($0.weight)) < ($1.priority, -Int($1.weight)) }
            var peers: [SIPPeer] = []
            for record in records where record.target != "." {
                for address in await addresses(of: record.target) {
                    if var peer = try? SIPPeer(transport: kind, ipAddress: address, port: Int(record.port)) {
                        peer.serverName = record.target.hasSuffix(".") ? String(record.target.dropLast()) : record.target
                        peers.append(peer)
                    }
                }
            }
            if !peers.isEmpty { return peers }
        }
        let direct = await addresses(of: host).compactMap { try? SIPPeer(transport: transport, ipAddress: $0, port: defaultPort) }
            .map { peer in var named = peer; named.serverName = host; return named }
        return direct.isEmpty ? await fallback(uri, transport) : direct
    }

    private func fallback(_ uri: SIPURI, _ transport: SIPTransportKind) async -> [SIPPeer] {
        if let literal = SIPUserAgent.resolve(uri, defaultTransport: transport) { return [literal] }
        let host = uri.host.trimmingBrackets
        let port = uri.port ?? (transport == .tls ? 5061 : 5060)
        return await Self.systemLookup(host, port: port).map {
            SIPPeer(transport: transport, address: $0, serverName: host)
        }
    }

    /// The system resolver (getaddrinfo, which may block for seconds) on NIO's blocking-I/O pool.
    static func systemLookup(_ host: String, port: Int) async -> [SocketAddress] {
        let address = try? await NIOThreadPool.singleton.runIfActive {
            try SocketAddress.makeAddressResolvingHost(host, port: port)
        }
        return address.map { [$0] } ?? []
    }

    // MARK: - DNS

    func serviceRecords(_ name: String) async -> [DNSMessage.ServiceRecord] {
        let id = UInt16.random(in: 1...UInt16.max)
        guard let answer = await ask(name, type: DNSMessage.typeSRV, id: id) else { return [] }
        return DNSMessage.serviceRecords(in: answer, id: id) ?? []
    }

    func addresses(of name: String) async -> [String] {
        if Self.isIPv4(name) { return [name] }
        let id = UInt16.random(in: 1...UInt16.max)
        guard let answer = await ask(name, type: DNSMessage.typeA, id: id) else { return [] }
        return DNSMessage.addresses(in: answer, id: id) ?? []
    }

    /// Sends the query to each server in turn (two tries each) on NIO's blocking-I/O pool; the first answer wins.
    func ask(_ name: String, type: UInt16, id: UInt16) async -> [UInt8]? {
        guard let query = DNSMessage.query(id: id, name: name, type: type), !nameservers.isEmpty else { return nil }
        let servers = nameservers
        let timeout = timeoutMilliseconds
        let answer = try? await NIOThreadPool.singleton.runIfActive { () -> [UInt8]? in
            for server in servers {
                for _ in 0..<2 {
                    if let answer = Self.exchange(query, id: id, with: server, timeoutMilliseconds: timeout) { return answer }
                }
            }
            return nil
        }
        return answer ?? nil
    }

    /// One UDP exchange, blocking for at most the timeout.
    static func exchange(_ query: [UInt8], id: UInt16, with server: (host: String, port: UInt16), timeoutMilliseconds: Int) -> [UInt8]? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = server.port.bigEndian
        guard inet_pton(AF_INET, server.host, &address.sin_addr) == 1 else { return nil }
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, query, query.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard sent == query.count else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeoutMilliseconds) * 1_000_000
        while DispatchTime.now().uptimeNanoseconds < deadline {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { return nil }
            let answer = Array(buffer[0..<n])
            if DNSMessage.u16(answer, 0) == id { return answer }
        }
        return nil
    }

    static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    /// IPv4 `nameserver` lines of /etc/resolv.conf.
    static func systemNameservers() -> [(host: String, port: UInt16)] {
        guard let file = fopen("/etc/resolv.conf", "r") else { return [] }
        defer { fclose(file) }
        var servers: [(String, UInt16)] = []
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            if fields.count >= 2, fields[0] == "nameserver", isIPv4(String(fields[1])) { servers.append((String(fields[1]), 53)) }
        }
        return servers
    }
}
