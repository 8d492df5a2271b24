/// Runs of consecutive free loopback ports, for programs that take a base port and use the ones after it.
public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Whether `port` can be bound on 127.0.0.1 for UDP and for TCP right now.
public func isFreePort(_ port: Int) -> Bool {
    func canBind(_ type: Int32) -> Bool {
        let fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
    return canBind(Int32(SOCK_DGRAM.rawValue)) && canBind(Int32(SOCK_STREAM.rawValue))
}

/// The first of `count` consecutive ports, all free for UDP and TCP on 127.0.0.1, or 0.
/// Bases are drawn at random from 20000–32000, below Linux's ephemeral range (32768–60999), so the kernel's own
/// choices for other sockets seldom land inside a block between this check and the program binding it.
public func freePortBlock(count: Int) -> Int {
    for _ in 0..<200 {
        let base = Int.random(in: 20_000...(32_000 - count)) & ~1
        if (base..<base + count).allSatisfy(isFreePort) { return base }
    }
    return 0
}
