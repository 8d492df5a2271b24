import Focus
import Foundation
import MCUControl
import MCUPool
import PostgresNIO

// The pool's values read back from their rows, columns in the order the store's statements name them.

extension MCUInstance {
    /// ``PostgresMCUPoolStore/instanceColumns``
    init(row: PostgresRow) throws {
        let (id, control, media, first, last, cores, stateText, registeredAt, loadText, reportedAt, age) = try row.decode(
            (String, String, String, Int, Int, Int, String, Date, String?, Date?, Double?).self)
        guard first <= last else { throw MCUPoolStoreError("mcu_instances.rtp_port_first of \(id) is above rtp_port_last") }
        var load: MCUInstanceLoad?
        if let loadText {
            do {
                load = try StoredJSON.decode(MCUInstanceLoad.self, from: loadText, column: "mcu_instances.load of \(id)")
            } catch {
                throw MCUPoolStoreError(error.reason)
            }
        }
        self.init(
            registration: MCUInstanceRegistration(id: id, controlAddress: control, mediaAddress: media, rtpPorts: first...last, cores: cores),
            state: try MCUInstanceState(column: stateText, of: id), registeredAt: registeredAt, load: load, reportedAt: reportedAt,
            secondsSinceReport: age.map { max(0, $0) })
    }
}

extension MCUInstanceState {
    init(column: String, of instance: String) throws {
        guard let state = MCUInstanceState(rawValue: column) else {
            throw MCUPoolStoreError("mcu_instances.state of \(instance) is \(column), not up, draining, down or removed")
        }
        self = state
    }
}

extension ConferencePlacement {
    /// `SELECT tenant, meeting, instance, epoch, claimed_at FROM conference_placements`
    init(row: PostgresRow) throws {
        let (tenant, meeting, instance, epoch, claimedAt) = try row.decode((String, String, String, Int64, Date).self)
        self.init(conference: ConferenceID(tenant: tenant, meeting: meeting), instance: instance, epoch: epoch, claimedAt: claimedAt)
    }
}
