@testable import MediaCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The tick's socket reading: one epoll poll says which sockets to read, a ready socket's queue comes in with one
/// recvmmsg, and ticks of conferences on one loop are spread over the 20 ms.
@Suite("Socket readiness and batched receive")
struct SocketReadinessTests {
    /// Sends `count` datagrams of one byte each (0, 1, …) from `from` to 127.0.0.1:`port`.
    private func send(_ count: Int, from socket: UDPSocket, to port: Int) {
        let target = MediaAddress(ip: inet_addr("127.0.0.1"), port: UInt16(port))
        for i in 0..<count {
            var byte = UInt8(i)
            let sent = withUnsafeBytes(of: &byte) { socket.send($0, length: 1, to: target) }
            #expect(sent)
        }
    }

    @Test("an idle socket is not read after the first poll; one that received is, and only until it is drained")
    func idleSocketsAreSkipped() throws {
        let readiness = SocketReadiness()
        let idle = try UDPSocket(address: "127.0.0.1", port: 0)
        let busy = try UDPSocket(address: "127.0.0.1", port: 0)
        let peer = try UDPSocket(address: "127.0.0.1", port: 0)
        let busyPort = try #require(boundPort(busy.descriptor))
        // The first ask watches the socket and answers "maybe" (it was never polled).
        #expect(idle.mayHaveData(readiness))
        #expect(busy.mayHaveData(readiness))
        #expect(!readiness.degraded)
        #expect(readiness.watchedCount == 2)
        readiness.poll()
        #expect(!idle.mayHaveData(readiness))
        #expect(!busy.mayHaveData(readiness))
        send(3, from: peer, to: busyPort)
        readiness.poll()
        #expect(!idle.mayHaveData(readiness))
        #expect(busy.mayHaveData(readiness))
        #expect(readiness.lastReadyCount == 1)
        let batch = DatagramBatch(capacity: 16)
        #expect(busy.receive(into: batch, limit: 16) == 3)
        readiness.poll()
        #expect(!busy.mayHaveData(readiness))
    }

    @Test("a batch keeps arrival order, lengths and sources, and reads no more than its limit; the rest stays queued")
    func batchOrderAndLimit() throws {
        let socket = try UDPSocket(address: "127.0.0.1", port: 0)
        let peer = try UDPSocket(address: "127.0.0.1", port: 0)
        let port = try #require(boundPort(socket.descriptor))
        let peerPort = try #require(boundPort(peer.descriptor))
        send(5, from: peer, to: port)
        let batch = DatagramBatch(capacity: 4)
        #expect(socket.receive(into: batch, limit: 3) == 3)
        for i in 0..<3 {
            #expect(batch.length(i) == 1)
            #expect(batch.slot(i).load(as: UInt8.self) == UInt8(i))
            #expect(batch.source(i) == MediaAddress(ip: inet_addr("127.0.0.1"), port: UInt16(peerPort)))
        }
        #expect(socket.receive(into: batch, limit: 16) == 2)  // the batch's capacity bounds the limit
        #expect(batch.slot(1).load(as: UInt8.self) == 4)
        #expect(socket.receive(into: batch, limit: 4) == 0)
    }

    @Test("draining stops at the budget and leaves the rest for the next tick, which the level-triggered poll reports")
    func drainBudget() throws {
        let readiness = SocketReadiness()
        let socket = try UDPSocket(address: "127.0.0.1", port: 0)
        let peer = try UDPSocket(address: "127.0.0.1", port: 0)
        let port = try #require(boundPort(socket.descriptor))
        _ = socket.mayHaveData(readiness)
        send(10, from: peer, to: port)
        readiness.poll()
        let batch = DatagramBatch(capacity: 4)
        var seen: [UInt8] = []
        socket.drain(batch, readiness: readiness, budget: 6) { buffer, _, _ in seen.append(buffer.load(as: UInt8.self)) }
        #expect(seen == [0, 1, 2, 3, 4, 5])
        readiness.poll()
        #expect(socket.mayHaveData(readiness))
        seen.removeAll()
        socket.drain(batch, readiness: readiness, budget: 64) { buffer, _, _ in seen.append(buffer.load(as: UInt8.self)) }
        #expect(seen == [6, 7, 8, 9])
    }

    @Test("a memory port reads in batches too, and says it is idle exactly when its ring is empty")
    func memoryPortBatches() throws {
        let network = MemoryNetwork(slotsPerPort: 8)
        let a = try #require(network.open(host: "10.0.0.1", port: 4000))
        let b = try #require(network.open(host: "10.0.0.2", port: 5000))
        let readiness = SocketReadiness()
        #expect(!b.mayHaveData(readiness))
        for i in 0..<3 {
            var byte = UInt8(i)
            _ = withUnsafeBytes(of: &byte) { a.send($0, to: b.ip, port: 5000) }
        }
        #expect(b.mayHaveData(readiness))
        let batch = DatagramBatch(capacity: 2)
        #expect(b.receive(into: batch, limit: 8) == 2)
        #expect(batch.source(0) == a.address)
        #expect(batch.slot(1).load(as: UInt8.self) == 1)
        #expect(b.receive(into: batch, limit: 8) == 1)
        #expect(!b.mayHaveData(readiness))
        #expect(readiness.watchedCount == 0)
    }

    @Test("a new conference ticks in the middle of the widest gap between the ticks already on its loop")
    func tickPhases() {
        let ms: Int64 = 1_000_000
        #expect(TickPhase.widestGapMiddle([]) == nil)
        #expect(TickPhase.widestGapMiddle([0]) == 10 * ms)
        #expect(TickPhase.widestGapMiddle([2 * ms, 4 * ms]) == 13 * ms)  // the gap 4 → 22 (= 2 of the next period)
        #expect(TickPhase.widestGapMiddle([18 * ms, 2 * ms]) == 10 * ms)
        #expect(TickPhase.widestGapMiddle([1 * ms, 9 * ms, 11 * ms]) == 16 * ms)
        #expect(TickPhase.delay(from: 0, toWidestGapAmong: []) == 0)
        #expect(TickPhase.delay(from: 25 * UInt64(ms), toWidestGapAmong: [0]) == 5 * ms)
        #expect(TickPhase.delay(from: 35 * UInt64(ms), toWidestGapAmong: [0]) == 15 * ms)
        // Conferences added one after another end up spread over the period.
        var phases: [Int64] = []
        for _ in 0..<8 { phases.append(TickPhase.widestGapMiddle(phases) ?? 0) }
        let sorted = phases.sorted()
        let gaps = zip(sorted, sorted.dropFirst()).map { $1 - $0 } + [sorted[0] + TickPhase.period - sorted[7]]
        #expect(gaps.allSatisfy { $0 >= TickPhase.period / 16 }, "\(phases)")
    }

    private func boundPort(_ descriptor: Int32) -> Int? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) == 0 }
        }
        return ok ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }
}
