import MCUControl
import Synchronization

/// Hands out RTP/RTCP port pairs (even RTP port, RTCP on the next) chosen at random from the configured range, so an
/// off-path sender cannot guess the next participant's port; and keeps each tenant within its share of the pairs, so one
/// tenant cannot take the ports another tenant's quota promises. Control path only.
final class PortAllocator: Sendable {
    /// The first even port of the range and how many pairs fit.
    private let first: Int
    let pairs: Int
    /// The most pairs one tenant may hold at once.
    let tenantLimit: Int
    private let state: Mutex<State>

    private struct State {
        var owners: [Int: String] = [:]
        var byTenant: [String: Int] = [:]
    }

    init(range: ClosedRange<Int>, maxTenantShare: Double = 1) {
        first = range.lowerBound % 2 == 0 ? range.lowerBound : range.lowerBound + 1
        pairs = max(0, (range.upperBound - first + 1) / 2)
        tenantLimit = max(1, Int((Double(pairs) * min(1, max(0, maxTenantShare))).rounded(.down)))
        state = Mutex(State())
    }

    /// Pairs still free.
    var free: Int { state.withLock { pairs - $0.owners.count } }

    /// Pairs `tenant` holds.
    func held(by tenant: String) -> Int { state.withLock { $0.byTenant[tenant] ?? 0 } }

    /// A free even port chosen at random whose pair `bind` accepts (ports another program holds are skipped), charged to
    /// `tenant`. Throws `capacity` when the tenant holds its share already or no pair is left.
    func allocate(tenant: String, bind: (Int) -> Bool) throws(MCUControlError) -> Int {
        var generator = SystemRandomNumberGenerator()
        var refused: Set<Int> = []
        while refused.count < pairs {
            let picked: Result<Int, MCUControlError> = state.withLock { s in
                if s.byTenant[tenant, default: 0] >= tenantLimit {
                    return .failure(MCUControlError(.capacity, "tenant \(tenant) holds its share of the media ports (\(tenantLimit) of \(pairs))"))
                }
                guard s.owners.count + refused.count < pairs else { return .failure(MCUControlError(.capacity, "no RTP ports left")) }
                // A random pair; when it is taken, the next free one after it (wrapping), so the choice stays uniform
                // over runs of free pairs and the search ends.
                let start = Int.random(in: 0..<pairs, using: &generator)
                for offset in 0..<pairs {
                    let port = first + 2 * ((start + offset) % pairs)
                    if s.owners[port] == nil && !refused.contains(port) {
                        s.owners[port] = tenant
                        s.byTenant[tenant, default: 0] += 1
                        return .success(port)
                    }
                }
                return .failure(MCUControlError(.capacity, "no RTP ports left"))
            }
            let port = try picked.get()
            if bind(port) { return port }
            // Taken by another program: give it back and try another.
            release(port)
            refused.insert(port)
        }
        throw MCUControlError(.capacity, "no RTP ports left")
    }

    func release(_ port: Int) {
        state.withLock { s in
            guard let tenant = s.owners.removeValue(forKey: port) else { return }
            let left = (s.byTenant[tenant] ?? 1) - 1
            s.byTenant[tenant] = left > 0 ? left : nil
        }
    }
}
