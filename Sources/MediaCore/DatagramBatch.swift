internal import CConsortSockets

/// Room for several received datagrams at once, so a socket's whole queue comes in with one `recvmmsg` call
/// (``UDPSocket``) instead of one `recvfrom` per datagram plus one more that finds the queue empty. Allocated once per
/// conference; each slot is a whole receive buffer the ingress works on in place (SRTP decrypts there). Confined to the
/// conference's event loop, like the ports that fill it. The load generator reads its participants' sockets with one
/// too (``receive(from:limit:)``).
public final class DatagramBatch {
    /// Datagrams per batch and bytes per slot (a datagram longer than a slot is truncated, as a 2 KB `recvfrom` was).
    public let capacity: Int
    let slotBytes: Int
    let storage: UnsafeMutableRawBufferPointer
    let lengths: UnsafeMutablePointer<UInt32>
    let ips: UnsafeMutablePointer<UInt32>
    let ports: UnsafeMutablePointer<UInt16>

    public init(capacity: Int = 16, slotBytes: Int = 2_048) {
        self.capacity = max(1, min(capacity, 64))
        self.slotBytes = max(64, slotBytes)
        storage = .allocate(byteCount: self.capacity * self.slotBytes, alignment: 16)
        lengths = .allocate(capacity: self.capacity)
        lengths.initialize(repeating: 0, count: self.capacity)
        ips = .allocate(capacity: self.capacity)
        ips.initialize(repeating: 0, count: self.capacity)
        ports = .allocate(capacity: self.capacity)
        ports.initialize(repeating: 0, count: self.capacity)
    }

    deinit {
        storage.deallocate()
        lengths.deallocate()
        ips.deallocate()
        ports.deallocate()
    }

    /// Slot `i`'s whole buffer (`0..<capacity`).
    @inline(__always)
    func slot(_ i: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: storage[i * slotBytes..<(i + 1) * slotBytes])
    }

    /// The length of the datagram in slot `i`.
    @inline(__always)
    func length(_ i: Int) -> Int { Int(lengths[i]) }

    /// Where the datagram in slot `i` came from.
    @inline(__always)
    func source(_ i: Int) -> MediaAddress { MediaAddress(ip: ips[i], port: ports[i]) }

    /// Where datagram `i` came from: IPv4 address as `s_addr` (network order) and port (host order).
    public func sender(_ i: Int) -> (ip: UInt32, port: UInt16) { (ips[i], ports[i]) }

    /// Datagram `i` of the last receive.
    public func datagram(_ i: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[i * slotBytes..<i * slotBytes + Int(lengths[i])])
    }

    /// Reads up to `limit` (at most ``capacity``) datagrams queued on socket `descriptor` with one `recvmmsg`; how many
    /// (0: nothing queued, or an error). No allocation.
    @inline(__always)
    public func receive(from descriptor: Int32, limit: Int = .max) -> Int {
        let count = UInt32(clamping: min(limit, capacity))
        return max(0, Int(consort_receive_batch(descriptor, storage.baseAddress, slotBytes, count, lengths, ips, ports)))
    }

    /// Records a datagram put in slot `i` by a port that reads one at a time (``MemoryDatagramPort``).
    @inline(__always)
    func set(_ i: Int, length: Int, from source: MediaAddress) {
        lengths[i] = UInt32(clamping: length)
        ips[i] = source.ip
        ports[i] = source.port
    }
}
