import MCUControl
@testable import MediaCore
import Testing

/// Random pairs and a share per tenant, without sockets.
@Suite("RTP port allocation")
struct PortAllocatorTests {
    @Test("pairs are chosen at random, not in order, and are always even and within the range")
    func randomPorts() throws {
        let allocator = PortAllocator(range: 40_000...40_999)
        var ports: [Int] = []
        for _ in 0..<20 { ports.append(try allocator.allocate(tenant: "t") { _ in true }) }
        #expect(Set(ports).count == 20)
        #expect(ports.allSatisfy { $0 % 2 == 0 && (40_000...40_998).contains($0) })
        let sequential = zip(ports, ports.dropFirst()).allSatisfy { $1 == $0 + 2 }
        #expect(!sequential, "\(ports)")
        let increasing = zip(ports, ports.dropFirst()).allSatisfy { $1 > $0 }
        #expect(!increasing, "\(ports)")
    }

    @Test("a tenant holds at most its share; another tenant still gets ports; released ports count again")
    func tenantShare() throws {
        let allocator = PortAllocator(range: 40_000...40_019, maxTenantShare: 0.5)  // 10 pairs, 5 a tenant
        #expect(allocator.tenantLimit == 5)
        var held: [Int] = []
        for _ in 0..<5 { held.append(try allocator.allocate(tenant: "a") { _ in true }) }
        let refused = #expect(throws: MCUControlError.self) { try allocator.allocate(tenant: "a") { _ in true } }
        #expect(refused?.code == .capacity)
        for _ in 0..<5 { _ = try allocator.allocate(tenant: "b") { _ in true } }
        #expect(allocator.free == 0)
        allocator.release(held[0])
        #expect(allocator.held(by: "a") == 4)
        _ = try allocator.allocate(tenant: "a") { _ in true }
    }

    @Test("ports another program holds are skipped; when none can be bound the refusal is capacity")
    func bindFailures() throws {
        let allocator = PortAllocator(range: 40_000...40_009)
        let port = try allocator.allocate(tenant: "t") { $0 == 40_006 }
        #expect(port == 40_006)
        let error = #expect(throws: MCUControlError.self) { try allocator.allocate(tenant: "t") { _ in false } }
        #expect(error?.code == .capacity)
        #expect(allocator.free == 4)
    }
}
