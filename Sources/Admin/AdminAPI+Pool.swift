import Foundation
import Hummingbird
import MCUPool

/// One MCU instance as `GET /v1/pool/instances` shows it.
struct PoolInstanceView: Encodable {
    var id: String
    var state: String
    var controlAddress: String
    var mediaAddress: String
    var rtpPorts: String
    var cores: Int
    var secondsSinceReport: Double?
    var conferences: Int?
    var endpoints: Int?
    var freePorts: Int?
    var lateTicks: UInt64?
    var tickMicrosecondsPerSecond: UInt64?
    /// The share of its cores' tick time its conferences took in the last second (0–1).
    var tickLoad: Double?
    var placedConferences: Int

    init(_ instance: MCUInstance, placed: Int) {
        id = instance.id
        state = instance.state.rawValue
        controlAddress = instance.registration.controlAddress
        mediaAddress = instance.registration.mediaAddress
        rtpPorts = "\(instance.registration.rtpPorts.lowerBound)-\(instance.registration.rtpPorts.upperBound)"
        cores = instance.registration.cores
        secondsSinceReport = instance.secondsSinceReport.map { ($0 * 10).rounded() / 10 }
        conferences = instance.load?.conferences
        endpoints = instance.load?.endpoints
        freePorts = instance.load?.freePorts
        lateTicks = instance.load?.lateTicks
        tickMicrosecondsPerSecond = instance.load?.tickMicrosecondsPerSecond
        placedConferences = placed
        let offered = Double(max(1, instance.registration.cores) * 1_000_000)
        tickLoad = instance.load?.tickMicrosecondsPerSecond.map { (Double($0) / offered * 1_000).rounded() / 1_000 }
    }
}

/// `/v1/pool/instances`: the MCU instances of the pool (operator tokens only; 404 when serve runs no pool).
extension AdminAPI {
    private func poolStore(_ request: Request) throws(AdminError) -> any MCUPoolStore {
        let principal = try authenticator.authenticate(request, tenant: nil)
        guard principal == .operator else { throw AdminError.forbidden("the MCU pool serves every tenant: it needs an operator token") }
        guard let pool else { throw AdminError(.notFound, "this server runs no MCU pool (pool.enabled is false)") }
        return pool
    }

    func listPoolInstances(_ request: Request) async throws(AdminError) -> Response {
        let store = try poolStore(request)
        do {
            let instances = try await store.instances()
            let placements = try await store.placements()
            return AdminJSON.response(instances.map { i in PoolInstanceView(i, placed: placements.filter { $0.instance == i.id }.count) })
        } catch {
            throw AdminError(.internalServerError, "pool store: \(error)")
        }
    }

    /// Drains an instance: it takes no new conferences, and the focus moves its conferences to others (no call drops).
    func drainPoolInstance(_ request: Request, _ context: BasicRequestContext) async throws(AdminError) -> Response {
        let store = try poolStore(request)
        let id = context.parameters.get("instance") ?? ""
        do {
            guard try await store.setState(instance: id, .draining) else { throw AdminError(.notFound, "no MCU instance \(id)") }
        } catch let error as AdminError {
            throw error
        } catch {
            throw AdminError(.internalServerError, "pool store: \(error)")
        }
        logger.notice("MCU instance drained by an operator", metadata: ["mcu": "\(id)"])
        return AdminJSON.response(["id": id, "state": "draining"], status: .accepted)
    }

    /// Forgets an instance; refused (409) while conferences are placed on it: drain it first.
    func removePoolInstance(_ request: Request, _ context: BasicRequestContext) async throws(AdminError) -> Response {
        let store = try poolStore(request)
        let id = context.parameters.get("instance") ?? ""
        do {
            let placed = try await store.placements(on: id).count
            guard placed == 0 else {
                throw AdminError(.conflict, "MCU instance \(id) still holds \(placed) conference(s): drain it first (POST .../drain)")
            }
            guard try await store.remove(instance: id) else { throw AdminError(.notFound, "no MCU instance \(id)") }
        } catch let error as AdminError {
            throw error
        } catch {
            throw AdminError(.internalServerError, "pool store: \(error)")
        }
        logger.notice("MCU instance removed by an operator", metadata: ["mcu": "\(id)"])
        return Response(status: .noContent)
    }
}
