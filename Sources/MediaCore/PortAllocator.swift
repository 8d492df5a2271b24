import Synchronization

/// Hands out RTP/RTCP port pairs (even RTP port, RTCP on the next) from the configured range. Control path only.
final class PortAllocator: Sendable {
    private let range: ClosedRange<Int>
    private let state: Mutex<(next: Int, used: Set<Int>)>

    init(range: ClosedRange<Int>) {
        self.range = range
        let first = range.lowerBound % 2 == 0 ? range.lowerBound : range.lowerBound + 1
        state = Mutex((first, []))
    }

    /// Pairs still free.
    var free: Int { state.withLock { (range.count / 2) - $0.used.count } }

    /// The next free even port whose pair `bind` accepts (ports another program holds are skipped); nil when full.
    func allocate(bind: (Int) -> Bool) -> Int? {
        let pairs = range.count / 2
        for _ in 0..<pairs {
            let candidate: Int? = state.withLock { s in
                var port = s.next
                var tries = 0
                while s.used.contains(port) && tries < pairs {
                    port = port + 2 > range.upperBound - 1 ? (range.lowerBound + 1) & ~1 : port + 2
                    tries += 1
                }
                guard !s.used.contains(port), port + 1 <= range.upperBound else { return nil }
                s.used.insert(port)
                s.next = port + 2 > range.upperBound - 1 ? (range.lowerBound + 1) & ~1 : port + 2
                return port
            }
            guard let port = candidate else { return nil }
            if bind(port) { return port }
            // Taken by someone else: leave it marked used for a while would leak; release and move on.
            state.withLock { _ = $0.used.remove(port) }
        }
        return nil
    }

    func release(_ port: Int) {
        state.withLock { _ = $0.used.remove(port) }
    }
}
