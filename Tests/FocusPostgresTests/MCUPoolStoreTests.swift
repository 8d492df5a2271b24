import Foundation
import FocusPostgres
import MCUControl
import MCUPool
import Testing

extension PostgresSuites {
    @Suite("MCU pool store")
    struct MCUPoolStoreTests {
        static func registration(_ id: String, port: Int = 7000) -> MCUInstanceRegistration {
            MCUInstanceRegistration(
                id: id, controlAddress: "127.0.0.\(id.count):\(port)", mediaAddress: "127.0.0.\(id.count)", rtpPorts: 20000...20999, cores: 2)
        }

        static let weekly = ConferenceID(tenant: "contoso", meeting: "weekly")

        /// A pool store on a fresh database, open for the time of `body`.
        func withPool(_ body: (any MCUPoolStore) async throws -> Void) async throws {
            try await withSharedDatabase(try freshLocation(), schemas: [.mcuPool]) { database in
                try await body(PostgresMCUPoolStore(database: database))
            }
        }

        @Test("register, report load, list: times and report ages come from the database's clock")
        func registerReportList() async throws {
            try await withPool { pool in
                let before = Date()
                let b = try await pool.register(Self.registration("mcu-b"))
                _ = try await pool.register(Self.registration("mcu-a", port: 7001))
                #expect(b.state == .up && b.load == nil && b.reportedAt == nil && b.secondsSinceReport == nil)
                #expect(abs(b.registeredAt.timeIntervalSince(before)) < 5)

                let load = MCUInstanceLoad(
                    conferences: 2, endpoints: 7, freePorts: 986, lateTicks: 3, cpu: 0.4, tickMicrosecondsPerSecond: 61_000,
                    conferenceCosts: [ConferenceCost(conference: Self.weekly, microsecondsPerSecond: 41_000)])
                #expect(try await pool.reportLoad(instance: "mcu-b", load) == .up)
                #expect(try await pool.reportLoad(instance: "nobody", load) == nil)

                let instances = try await pool.instances()
                #expect(instances.map(\.id) == ["mcu-a", "mcu-b"])
                #expect(instances[0].registration == Self.registration("mcu-a", port: 7001))
                #expect(instances[0].load == nil)
                #expect(instances[1].load == load)
                let age = try #require(instances[1].secondsSinceReport)
                #expect(age >= 0 && age < 5)
                // The same record read alone; only the age differs, computed again at the second read.
                var alone = try #require(try await pool.instance("mcu-b"))
                #expect(try #require(alone.secondsSinceReport) >= age)
                alone.secondsSinceReport = instances[1].secondsSinceReport
                #expect(alone == instances[1])
                #expect(try await pool.instance("nobody") == nil)

                // Registering again (a restart) brings it up with its new addresses and forgets the old report.
                #expect(try await pool.setState(instance: "mcu-b", .down))
                let again = try await pool.register(Self.registration("mcu-b", port: 7100))
                #expect(again.state == .up && again.load == nil && again.registration.controlAddress == "127.0.0.5:7100")
            }
        }

        @Test("state changes: an MCU learns from its report that it is draining; unknown instances are said so")
        func stateChanges() async throws {
            try await withPool { pool in
                _ = try await pool.register(Self.registration("mcu-a"))
                let load = MCUInstanceLoad(conferences: 0, endpoints: 0, freePorts: 1000, lateTicks: 0)
                for state in [MCUInstanceState.draining, .down, .removed, .up] {
                    #expect(try await pool.setState(instance: "mcu-a", state))
                    #expect(try await pool.instance("mcu-a")?.state == state)
                    #expect(try await pool.reportLoad(instance: "mcu-a", load) == state)
                }
                #expect(try await pool.setState(instance: "nobody", .down) == false)
            }
        }

        @Test("the epoch fence: a stale owner's claim and release fail; every claim raises the epoch, even after a release")
        func epochFence() async throws {
            try await withPool { pool in
                _ = try await pool.register(Self.registration("mcu-a"))
                _ = try await pool.register(Self.registration("mcu-b"))

                let first = try #require(try await pool.claimPlacement(Self.weekly, on: "mcu-a", expectedEpoch: nil).claimed)
                #expect(first.instance == "mcu-a" && first.conference == Self.weekly)
                // A second "new conference" claim loses and learns who holds it.
                #expect(try await pool.claimPlacement(Self.weekly, on: "mcu-b", expectedEpoch: nil) == .lost(current: first))

                // The focus moves it (mcu-a presumed dead) ...
                let moved = try #require(try await pool.claimPlacement(Self.weekly, on: "mcu-b", expectedEpoch: first.epoch).claimed)
                #expect(moved.instance == "mcu-b" && moved.epoch > first.epoch)
                // ... and mcu-a's owner, come back with the old epoch, can neither take it back nor remove it.
                #expect(try await pool.claimPlacement(Self.weekly, on: "mcu-a", expectedEpoch: first.epoch) == .lost(current: moved))
                #expect(try await pool.releasePlacement(Self.weekly, epoch: first.epoch) == false)
                #expect(try await pool.placement(of: Self.weekly) == moved)

                // Confirming with the current epoch is a claim too: a new epoch.
                let confirmed = try #require(try await pool.claimPlacement(Self.weekly, on: "mcu-b", expectedEpoch: moved.epoch).claimed)
                #expect(confirmed.epoch > moved.epoch)

                #expect(try await pool.releasePlacement(Self.weekly, epoch: confirmed.epoch))
                #expect(try await pool.placement(of: Self.weekly) == nil)
                #expect(try await pool.releasePlacement(Self.weekly, epoch: confirmed.epoch) == false)
                #expect(try await pool.claimPlacement(Self.weekly, on: "mcu-a", expectedEpoch: confirmed.epoch) == .lost(current: nil))

                // Placed again after its release: the epoch still only grows, so no earlier holder matches it.
                let again = try #require(try await pool.claimPlacement(Self.weekly, on: "mcu-a", expectedEpoch: nil).claimed)
                #expect(again.epoch > confirmed.epoch)
            }
        }

        @Test("concurrent claims from two focus processes: exactly one wins, for a new conference and for a move")
        func concurrentClaims() async throws {
            let location = try freshLocation()
            try await withSharedDatabase(location, schemas: [.mcuPool]) { first in
                try await withSharedDatabase(location, schemas: [.mcuPool]) { second in
                    let pools: [any MCUPoolStore] = [PostgresMCUPoolStore(database: first), PostgresMCUPoolStore(database: second)]
                    _ = try await pools[0].register(Self.registration("mcu-a"))
                    _ = try await pools[0].register(Self.registration("mcu-b"))

                    func race(expectedEpoch: Int64?) async throws -> [PlacementClaim] {
                        try await withThrowingTaskGroup(of: PlacementClaim.self) { group in
                            for attempt in 0..<8 {
                                group.addTask {
                                    try await pools[attempt % 2].claimPlacement(
                                        Self.weekly, on: attempt % 2 == 0 ? "mcu-a" : "mcu-b", expectedEpoch: expectedEpoch)
                                }
                            }
                            return try await group.reduce(into: []) { $0.append($1) }
                        }
                    }

                    let created = try await race(expectedEpoch: nil)
                    let creator = try #require(created.compactMap(\.claimed).first)
                    #expect(created.compactMap(\.claimed).count == 1)
                    #expect(created.filter { $0 == .lost(current: creator) }.count == 7)

                    let moves = try await race(expectedEpoch: creator.epoch)
                    let mover = try #require(moves.compactMap(\.claimed).first)
                    #expect(moves.compactMap(\.claimed).count == 1)
                    #expect(mover.epoch > creator.epoch)
                    #expect(try await pools[1].placement(of: Self.weekly) == mover)
                }
            }
        }

        @Test("placements by instance and in all; removing an instance that hosts conferences is refused")
        func placementsAndRemoval() async throws {
            try await withPool { pool in
                _ = try await pool.register(Self.registration("mcu-a"))
                _ = try await pool.register(Self.registration("mcu-b"))
                let standup = ConferenceID(tenant: "contoso", meeting: "standup")
                let board = ConferenceID(tenant: "fabrikam", meeting: "board")
                let onA1 = try #require(try await pool.claimPlacement(Self.weekly, on: "mcu-a", expectedEpoch: nil).claimed)
                let onB = try #require(try await pool.claimPlacement(board, on: "mcu-b", expectedEpoch: nil).claimed)
                let onA2 = try #require(try await pool.claimPlacement(standup, on: "mcu-a", expectedEpoch: nil).claimed)

                #expect(try await pool.placements(on: "mcu-a") == [onA2, onA1])
                #expect(try await pool.placements(on: "mcu-b") == [onB])
                #expect(try await pool.placements() == [onA2, onA1, onB])

                let unknown = await #expect(throws: MCUPoolStoreError.self) {
                    try await pool.claimPlacement(ConferenceID(tenant: "contoso", meeting: "x"), on: "nobody", expectedEpoch: nil)
                }
                #expect(unknown?.reason.hasSuffix("MCU instance nobody is not registered") == true)

                let refused = await #expect(throws: MCUPoolStoreError.self) { try await pool.remove(instance: "mcu-a") }
                #expect(refused?.reason.hasPrefix("cannot remove MCU instance mcu-a in postgres://") == true)
                #expect(refused?.reason.hasSuffix("it still hosts 2 conference(s): move or release them first") == true)

                #expect(try await pool.releasePlacement(Self.weekly, epoch: onA1.epoch))
                #expect(try await pool.releasePlacement(standup, epoch: onA2.epoch))
                #expect(try await pool.remove(instance: "mcu-a"))
                #expect(try await pool.remove(instance: "mcu-a") == false)
                #expect(try await pool.instances().map(\.id) == ["mcu-b"])
            }
        }
    }
}
