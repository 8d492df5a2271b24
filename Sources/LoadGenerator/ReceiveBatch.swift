internal import CConsortSockets

/// Room for a socket's whole receive queue, read with one `recvmmsg` per participant and tick instead of one `recv` per
/// datagram plus one that finds the queue empty: the load generator shares the machine with the server it measures,
/// so every system call it saves is CPU the server does not have to compete for. Used by the pacer's thread only.
final class ReceiveBatch {
    let capacity: Int
    let slotBytes = 2_048
    private let storage: UnsafeMutableRawBufferPointer
    private let lengths: UnsafeMutablePointer<UInt32>
    fileprivate let ips: UnsafeMutablePointer<UInt32>
    fileprivate let ports: UnsafeMutablePointer<UInt16>

    init(capacity: Int = 16) {
        self.capacity = max(1, min(capacity, 64))
        storage = .allocate(byteCount: self.capacity * slotBytes, alignment: 16)
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

    /// Reads what `socket` has queued, up to `capacity` datagrams; how many (0: nothing, or an error).
    func receive(from socket: Int32) -> Int {
        max(0, Int(consort_receive_batch(socket, storage.baseAddress, slotBytes, UInt32(capacity), lengths, ips, ports)))
    }

    /// Datagram `i` of the last receive.
    func datagram(_ i: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[i * slotBytes..<i * slotBytes + Int(lengths[i])])
    }
}

extension ReceiveBatch {
    /// The source of datagram `i` of the last receive: IPv4 address as `s_addr` (network order) and port.
    func source(_ i: Int) -> (ip: UInt32, port: UInt16) { (ips[i], ports[i]) }
}
