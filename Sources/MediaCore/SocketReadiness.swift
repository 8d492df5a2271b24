internal import CConsortSockets
import Synchronization

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Which of a conference's sockets have something queued, learned with one `epoll_wait` (timeout 0) per tick instead of
/// one `recvfrom` per socket: an idle RTCP or video socket, or an audio socket whose packet has not come yet, then costs
/// no system call at all. Level-triggered, so a socket left with datagrams (its per-tick budget ran out) is reported
/// again at the next tick. The only owner of its epoll descriptor; confined to the conference's event loop.
///
/// Sockets join lazily, the first time a tick asks about them (``UDPSocket/mayHaveData(_:)``), so a socket bound by a
/// re-INVITE needs no bookkeeping; a closed socket leaves the epoll set by itself. When epoll cannot be used, or more
/// sockets are ready than one poll can list, every socket counts as ready: the tick then reads them all, as it did
/// before there was a poll.
final class SocketReadiness {
    /// Distinguishes instances, so a socket knows whether it is watched by this one (never reused, unlike an address).
    private static let instances = Atomic<UInt64>(0)
    let id: UInt64
    private let epoll: Int32
    /// Descriptors ready at the last poll, and how many.
    private let ready: UnsafeMutablePointer<Int32>
    private var readyCount = 0
    /// A bit per descriptor number: set while that descriptor is in `ready`.
    private var readyBits: [UInt64] = []
    /// True when the last poll could not say (failed, or listed as many as it could hold): everything counts as ready.
    private var unknown = false
    /// True when watching a socket failed once (no epoll, or out of watches): from then on everything counts as ready.
    private(set) var degraded: Bool
    /// Sockets watched so far (closed ones included), and the last poll's count, for tests and diagnostics.
    private(set) var watchedCount = 0
    var lastReadyCount: Int { unknown ? -1 : readyCount }

    static let capacity = 1_024

    init() {
        id = Self.instances.add(1, ordering: .relaxed).newValue
        epoll = consort_epoll_create()
        degraded = epoll < 0
        ready = .allocate(capacity: Self.capacity)
    }

    deinit {
        if epoll >= 0 { close(epoll) }
        ready.deallocate()
    }

    /// Adds a socket's descriptor (the first tick that asks about it). Allocates only when the descriptor is the highest yet.
    func watch(_ descriptor: Int32) {
        guard !degraded, descriptor >= 0 else { return }
        guard consort_epoll_watch(epoll, descriptor) == 0 else {
            degraded = true
            return
        }
        watchedCount += 1
        let word = Int(descriptor) >> 6
        if word >= readyBits.count { readyBits.append(contentsOf: repeatElement(0, count: word + 1 - readyBits.count)) }
    }

    /// Asks the kernel which watched sockets are readable (once per tick, before any of them is read). Never waits,
    /// never allocates.
    func poll() {
        for i in 0..<readyCount { setBit(ready[i], false) }
        readyCount = 0
        guard !degraded, watchedCount > 0 else {
            unknown = false
            return
        }
        let n = Int(consort_epoll_ready(epoll, ready, Int32(Self.capacity)))
        unknown = n < 0 || n >= Self.capacity
        guard n > 0 else { return }
        readyCount = min(n, Self.capacity)
        for i in 0..<readyCount { setBit(ready[i], true) }
    }

    /// Whether `descriptor` may have datagrams queued: false only when the last poll said it had none.
    @inline(__always)
    func mayBeReady(_ descriptor: Int32) -> Bool {
        if degraded || unknown { return true }
        let word = Int(descriptor) >> 6
        guard descriptor >= 0, word < readyBits.count else { return true }
        return readyBits[word] & (1 << UInt64(descriptor & 63)) != 0
    }

    @inline(__always)
    private func setBit(_ descriptor: Int32, _ on: Bool) {
        let word = Int(descriptor) >> 6
        guard descriptor >= 0, word < readyBits.count else { return }
        let bit: UInt64 = 1 << UInt64(descriptor & 63)
        if on { readyBits[word] |= bit } else { readyBits[word] &= ~bit }
    }
}
