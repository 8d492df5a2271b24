import Synchronization

/// A media port as the conference code sees it: datagrams in, datagrams out, never blocking, never allocating. In
/// production a non-blocking UDP socket (``UDPSocket``); in benchmarks and tests a port of a ``MemoryNetwork``, so the
/// real conference code runs with no kernel in the way and ticks can be driven by hand.
protocol DatagramPort: AnyObject, Sendable {
    /// The port number (the SDP's m= port).
    var port: Int { get }
    /// Reads one queued datagram into `buffer`: its length and source, or nil when nothing is queued.
    func receive(into buffer: UnsafeMutableRawBufferPointer) -> (length: Int, from: MediaAddress)?
    /// Sends `length` bytes of `buffer` to `address`; false when it could not go (counted by the caller).
    func send(_ buffer: UnsafeRawBufferPointer, length: Int, to address: MediaAddress) -> Bool
    /// Reads up to `limit` (at most `batch.capacity`) queued datagrams into `batch`'s slots, in arrival order; how many
    /// (0: none queued).
    func receive(into batch: DatagramBatch, limit: Int) -> Int
    /// Whether a receive may find something this tick: false only when `readiness`, polled at the start of the tick,
    /// knows this port is idle. The first ask joins the port to `readiness`.
    func mayHaveData(_ readiness: SocketReadiness) -> Bool
}

extension DatagramPort {
    /// Reads the queue in batches until it is empty or `budget` datagrams were read, handing each to `body` (its slot,
    /// length and source); returns how many were read. Skips the port with no system call when `readiness` says it is idle.
    @inline(__always)
    func drain(
        _ batch: DatagramBatch, readiness: SocketReadiness, budget: Int,
        _ body: (UnsafeMutableRawBufferPointer, Int, MediaAddress) -> Void
    ) {
        guard mayHaveData(readiness) else { return }
        var left = budget
        while left > 0 {
            let asked = min(left, batch.capacity)
            let n = receive(into: batch, limit: asked)
            for i in 0..<n { body(batch.slot(i), batch.length(i), batch.source(i)) }
            left -= n
            if n < asked { return }
        }
    }
}

extension UDPSocket: DatagramPort {}

/// The ports an MCU's endpoints use: UDP sockets bound to the configured address, or a memory network.
public enum MediaTransport: Sendable {
    case udp
    case memory(MemoryNetwork)
}

/// Datagrams between ports in memory, by IPv4 address and port: what the UDP stack does for the MCU, without the kernel.
/// Each port keeps a fixed ring of slots allocated when it opens, so sending and receiving allocate nothing; a full
/// ring drops (like a full socket buffer). Ports open and close under a lock; sending and receiving are meant to run on
/// one thread at a time (the one driving the ticks), as a benchmark or a test does.
public final class MemoryNetwork: @unchecked Sendable {
    private struct Entry {
        weak var port: MemoryDatagramPort?
    }
    /// Open ports, held weakly: a port closes when its owner lets it go, as a socket does.
    private let ports = Mutex<[UInt64: Entry]>([:])
    /// Slots per port and bytes per slot.
    let slots: Int
    let slotBytes: Int

    public init(slotsPerPort: Int = 256, slotBytes: Int = 1_600) {
        slots = max(1, slotsPerPort)
        self.slotBytes = max(64, slotBytes)
    }

    static func key(ip: UInt32, port: Int) -> UInt64 { UInt64(ip) << 16 | UInt64(UInt16(truncatingIfNeeded: port)) }

    /// Opens a port at `host`:`port`; nil when it is taken or the host is not an IPv4 address.
    public func open(host: String, port: Int) -> MemoryDatagramPort? {
        guard let address = MediaAddress(host: host, port: port) else { return nil }
        return ports.withLock { table -> MemoryDatagramPort? in
            let key = Self.key(ip: address.ip, port: port)
            guard table[key]?.port == nil else { return nil }
            let opened = MemoryDatagramPort(network: self, address: address, slots: slots, slotBytes: slotBytes)
            table[key] = Entry(port: opened)
            return opened
        }
    }

    func close(address: MediaAddress) {
        ports.withLock { table in
            let key = Self.key(ip: address.ip, port: Int(address.port))
            if table[key]?.port == nil { table[key] = nil }
        }
    }

    @inline(__always)
    func port(at address: MediaAddress) -> MemoryDatagramPort? {
        ports.withLock { $0[Self.key(ip: address.ip, port: Int(address.port))]?.port }
    }
}

/// One port of a ``MemoryNetwork``.
public final class MemoryDatagramPort: DatagramPort, @unchecked Sendable {
    private weak var network: MemoryNetwork?
    let address: MediaAddress
    private let storage: UnsafeMutableRawBufferPointer
    private var lengths: [Int]
    private var sources: [MediaAddress]
    private var head = 0
    private var count = 0
    private let slotBytes: Int
    /// Datagrams dropped because this port's ring was full.
    public private(set) var overflows: UInt64 = 0

    init(network: MemoryNetwork, address: MediaAddress, slots: Int, slotBytes: Int) {
        self.network = network
        self.address = address
        self.slotBytes = slotBytes
        storage = .allocate(byteCount: slots * slotBytes, alignment: 16)
        lengths = Array(repeating: 0, count: slots)
        sources = Array(repeating: MediaAddress(ip: 0, port: 0), count: slots)
    }

    deinit {
        network?.close(address: address)
        storage.deallocate()
    }

    public var port: Int { Int(address.port) }

    /// Queued datagrams.
    public var queued: Int { count }

    func receive(into buffer: UnsafeMutableRawBufferPointer) -> (length: Int, from: MediaAddress)? {
        guard count > 0, let base = storage.baseAddress, let target = buffer.baseAddress else { return nil }
        let length = min(lengths[head], buffer.count)
        target.copyMemory(from: base + head * slotBytes, byteCount: length)
        let source = sources[head]
        head = (head + 1) % lengths.count
        count -= 1
        return (length, source)
    }

    func receive(into batch: DatagramBatch, limit: Int) -> Int {
        var n = 0
        while n < min(limit, batch.capacity), let (length, source) = receive(into: batch.slot(n)) {
            batch.set(n, length: length, from: source)
            n += 1
        }
        return n
    }

    func mayHaveData(_ readiness: SocketReadiness) -> Bool { count > 0 }

    func send(_ buffer: UnsafeRawBufferPointer, length: Int, to address: MediaAddress) -> Bool {
        guard let peer = network?.port(at: address) else { return true }  // nobody listens: gone, as UDP would be
        return peer.deliver(buffer, length: length, from: self.address)
    }

    private func deliver(_ buffer: UnsafeRawBufferPointer, length: Int, from source: MediaAddress) -> Bool {
        guard length <= slotBytes, length <= buffer.count, let base = storage.baseAddress, let bytes = buffer.baseAddress else { return false }
        guard count < lengths.count else {
            overflows &+= 1
            return true
        }
        let slot = (head + count) % lengths.count
        (base + slot * slotBytes).copyMemory(from: bytes, byteCount: length)
        lengths[slot] = length
        sources[slot] = source
        count += 1
        return true
    }

    /// Public for simulated clients: sends bytes to `host`:`port` on the same network.
    public func send(_ bytes: UnsafeRawBufferPointer, to host: UInt32, port: Int) -> Bool {
        send(bytes, length: bytes.count, to: MediaAddress(ip: host, port: UInt16(truncatingIfNeeded: port)))
    }

    /// Public for simulated clients: the next datagram, copied into `buffer`; its length, or nil.
    public func receive(_ buffer: UnsafeMutableRawBufferPointer) -> Int? {
        receive(into: buffer)?.length
    }

    /// This port's IPv4 address in network order (for ``send(_:to:port:)`` replies).
    public var ip: UInt32 { address.ip }
}
