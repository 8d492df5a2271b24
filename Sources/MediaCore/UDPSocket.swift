internal import CConsortSockets

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// A non-blocking UDP socket for media, read and written by the conference's tick on the event loop that owns the
/// conference. Polled once per 20 ms tick instead of waking the loop per packet: the jitter buffer plays at tick
/// time anyway, and a poll reads everything queued with no allocation and no lock. The only owner of its descriptor.
final class UDPSocket: @unchecked Sendable {  // handed to one conference loop, then used only there
    let descriptor: Int32
    let port: Int
    private var source = sockaddr_storage()
    private var sourceLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
    /// The ``SocketReadiness`` this socket's descriptor was added to (its `id`; 0: none yet).
    private var watchedBy: UInt64 = 0

    /// Binds `address:port` (IPv4). Throws a ``MediaError`` naming the address when it cannot.
    init(address: String, port: Int) throws(MediaError) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw MediaError(.socket, "cannot create a UDP socket: \(String(cString: strerror(errno)))") }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        guard inet_pton(AF_INET, address, &sin.sin_addr) == 1 else {
            close(fd)
            throw MediaError(.socket, "media address \(address) is not an IPv4 address")
        }
        var size: Int32 = 1 << 20
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw MediaError(.socket, "cannot bind UDP \(address):\(port): \(reason)")
        }
        descriptor = fd
        self.port = port
    }

    deinit { close(descriptor) }

    /// Reads one datagram into `buffer`; returns its length and source, or nil when nothing is queued. No allocation.
    @inline(__always)
    func receive(into buffer: UnsafeMutableRawBufferPointer) -> (length: Int, from: MediaAddress)? {
        sourceLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let n = withUnsafeMutablePointer(to: &source) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                recvfrom(descriptor, buffer.baseAddress, buffer.count, 0, $0, &sourceLength)
            }
        }
        guard n >= 0 else { return nil }
        return (n, MediaAddress(storage: source))
    }

    /// Reads up to `limit` queued datagrams into `batch` with one `recvmmsg`; how many (0 when none was queued). No allocation.
    @inline(__always)
    func receive(into batch: DatagramBatch, limit: Int) -> Int {
        batch.receive(from: descriptor, limit: limit)
    }

    /// Whether the last poll of `readiness` found this socket readable; the first ask adds the socket to it.
    @inline(__always)
    func mayHaveData(_ readiness: SocketReadiness) -> Bool {
        guard watchedBy == readiness.id else {
            readiness.watch(descriptor)
            watchedBy = readiness.id
            return true
        }
        return readiness.mayBeReady(descriptor)
    }

    /// Sends `length` bytes of `buffer` to `address`; false when the kernel refused (counted by the caller).
    @inline(__always)
    func send(_ buffer: UnsafeRawBufferPointer, length: Int, to address: MediaAddress) -> Bool {
        var sin = address.sockaddr
        let n = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(descriptor, buffer.baseAddress, length, Int32(MSG_DONTWAIT), $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return n == length
    }
}

/// An IPv4 address and port, comparable without allocation.
struct MediaAddress: Equatable, Sendable, CustomStringConvertible {
    var ip: UInt32  // network order
    var port: UInt16  // host order

    init(ip: UInt32, port: UInt16) {
        self.ip = ip
        self.port = port
    }

    init(storage: sockaddr_storage) {
        var copy = storage
        let sin = withUnsafePointer(to: &copy) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee } }
        ip = sin.sin_addr.s_addr
        port = UInt16(bigEndian: sin.sin_port)
    }

    /// Parses "a.b.c.d" and a port; nil for anything else.
    init?(host: String, port: Int) {
        var addr = in_addr()
        guard inet_pton(AF_INET, host, &addr) == 1, (0...65_535).contains(port) else { return nil }
        ip = addr.s_addr
        self.port = UInt16(port)
    }

    var sockaddr: sockaddr_in {
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = in_port_t(port.bigEndian)
        sin.sin_addr.s_addr = ip
        return sin
    }

    var description: String {
        let b = withUnsafeBytes(of: ip) { Array($0) }
        return "\(b[0]).\(b[1]).\(b[2]).\(b[3]):\(port)"
    }
}
