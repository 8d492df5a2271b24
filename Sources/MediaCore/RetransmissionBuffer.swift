/// The last packets a video source sent, by sequence number, so receivers' NACKs (RFC 4585 §6.2.1) can be answered
/// without asking the source again. Preallocated; storing and fetching never allocate.
final class RetransmissionBuffer {
    static let capacity = 256
    static let slotBytes = 1_500
    private let storage: UnsafeMutableRawBufferPointer
    private var sequence = [UInt16](repeating: 0, count: RetransmissionBuffer.capacity)
    private var length = [Int](repeating: 0, count: RetransmissionBuffer.capacity)

    init() {
        storage = .allocate(byteCount: Self.capacity * Self.slotBytes, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// Keeps a plain (unprotected) RTP packet.
    func store(_ packet: UnsafeRawBufferPointer, sequenceNumber: UInt16) {
        guard packet.count <= Self.slotBytes, let source = packet.baseAddress, let base = storage.baseAddress else { return }
        let slot = Int(sequenceNumber) % Self.capacity
        (base + slot * Self.slotBytes).copyMemory(from: source, byteCount: packet.count)
        sequence[slot] = sequenceNumber
        length[slot] = packet.count
    }

    /// The packet with this sequence number, if it is still here.
    func packet(_ sequenceNumber: UInt16) -> UnsafeRawBufferPointer? {
        let slot = Int(sequenceNumber) % Self.capacity
        guard sequence[slot] == sequenceNumber, length[slot] > 0, let base = storage.baseAddress else { return nil }
        return UnsafeRawBufferPointer(start: base + slot * Self.slotBytes, count: length[slot])
    }
}
