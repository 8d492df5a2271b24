import Foundation
import Logging
import MCUControl
import MCUGRPC
import MCUPool
import MediaCore

/// A `consort mcu` instance's life in the pool store: it registers, reports its load every second (the focus reads
/// the reports to place conferences and to notice a dead instance), learns there when an operator drains or removes
/// it, and drops conferences whose placement has moved on under a newer epoch (it was presumed dead and came back).
struct PoolMembership: Sendable {
    let store: any MCUPoolStore
    let registration: MCUInstanceRegistration
    let server: MCUControlServer
    let mcu: EmbeddedMCU
    let logger: Logger

    /// Registers; throws with the store's reason when it cannot.
    func register() async throws {
        do {
            _ = try await store.register(registration)
        } catch {
            throw ConfigurationError("cannot register MCU instance \(registration.id) in the pool store: \(error)")
        }
        logger.info("registered in the pool", metadata: ["id": "\(registration.id)", "control": "\(registration.controlAddress)"])
    }

    /// Reports every second until cancelled.
    func run() async {
        while !Task.isCancelled {
            await reportOnce()
            try? await Task.sleep(for: .seconds(1))
        }
    }

    func reportOnce() async {
        let report = await mcu.load()
        var costs: [ConferenceCost] = []
        for conference in server.conferences.keys {
            if let cost = await mcu.statistics(conference)?.tickMicrosecondsPerSecond {
                costs.append(ConferenceCost(conference: conference, microsecondsPerSecond: cost))
            }
        }
        do {
            let state = try await store.reportLoad(instance: registration.id, MCUInstanceLoad(report, conferenceCosts: costs))
            switch state {
            case nil:
                // An operator removed it: it takes no conferences until it is started (and registers) again.
                if !server.isDraining {
                    logger.warning("this instance was removed from the pool: it takes no new conferences (restart it to register again)")
                    server.drain()
                }
            case .draining?, .removed?:
                if !server.isDraining {
                    logger.notice("the pool drains this instance")
                    server.drain()
                }
            case .down?:
                // Taken for dead (its reports were late: a stall, a busy machine, a partition): its conferences have
                // moved on, so it drops them, then registers again to take new ones.
                logger.warning("the pool marked this instance down (its reports came too late): dropping what moved away and registering again")
                await fence()
                do {
                    _ = try await store.register(registration)
                    logger.notice("registered in the pool again", metadata: ["id": "\(registration.id)"])
                } catch {
                    logger.warning("cannot register again in the pool store", metadata: ["error": "\(error)"])
                }
                return
            case .up?:
                break
            }
        } catch {
            logger.warning("cannot report load to the pool store", metadata: ["error": "\(error)"])
        }
        await fence()
    }

    /// Drops conferences whose placement names another instance or a newer epoch.
    func fence() async {
        for (conference, epoch) in server.conferences where epoch > 0 {
            let placement: ConferencePlacement?
            do {
                placement = try await store.placement(of: conference)
            } catch {
                continue  // the store is unreachable: keep serving what we have
            }
            if placement?.instance != registration.id || placement?.epoch != Int64(clamping: epoch) {
                logger.notice(
                    "dropping a conference this instance no longer owns",
                    metadata: [
                        "conference": "\(conference)", "epoch": "\(epoch)", "owner": "\(placement?.instance ?? "none")",
                        "ownerEpoch": "\(placement.map { String($0.epoch) } ?? "none")",
                    ])
                await server.drop(conference)
            }
        }
    }
}
