import Focus
public import MCUPool
import Foundation
import Logging
import PostgresNIO

/// The ``MCUPoolStore`` on the shared PostgreSQL database: what the focus and every `consort mcu` agree on.
///
/// Its tables come from ``PostgresSchema/mcuPool``: call ``SharedDatabase/prepare(_:)`` with it before the first use.
/// Each method is one statement (its own transaction); claims and releases are compare-and-set on the epoch, so
/// concurrent callers on any host cannot both win.
public final class PostgresMCUPoolStore: MCUPoolStore {
    public let database: SharedDatabase

    public init(database: SharedDatabase) {
        self.database = database
    }

    func perform<T: Sendable>(_ action: String, _ body: (PostgresClient, Logger) async throws -> T) async throws(MCUPoolStoreError) -> T {
        try await database.perform(action, failure: MCUPoolStoreError.init, body)
    }

    /// The columns ``MCUInstance/init(row:)`` reads, the report's age computed by the database.
    static let instanceColumns = """
        id, control_address, media_address, rtp_port_first, rtp_port_last, cores, state, registered_at, load::text, reported_at,
        EXTRACT(EPOCH FROM (now() - reported_at))::float8
        """

    // MARK: Instances

    /// Registers or re-registers an instance: `up`, registered now (the database's clock), its old report cleared.
    public func register(_ registration: MCUInstanceRegistration) async throws(MCUPoolStoreError) -> MCUInstance {
        try await perform("register MCU instance \(registration.id)") { client, logger in
            let rows = try await client.query(
                """
                INSERT INTO mcu_instances (id, control_address, media_address, rtp_port_first, rtp_port_last, cores, state, registered_at)
                VALUES (\(registration.id), \(registration.controlAddress), \(registration.mediaAddress),
                        \(registration.rtpPorts.lowerBound), \(registration.rtpPorts.upperBound), \(registration.cores), 'up', now())
                ON CONFLICT (id) DO UPDATE SET
                    control_address = excluded.control_address, media_address = excluded.media_address,
                    rtp_port_first = excluded.rtp_port_first, rtp_port_last = excluded.rtp_port_last, cores = excluded.cores,
                    state = 'up', registered_at = now(), load = NULL, reported_at = NULL
                RETURNING \(unescaped: Self.instanceColumns)
                """, logger: logger
            ).collect()
            guard let row = rows.first else { throw MCUPoolStoreError("the database returned no row") }
            return try MCUInstance(row: row)
        }
    }

    /// Stores a load report stamped with the database's `now()`; returns the instance's state, nil when unknown.
    public func reportLoad(instance: String, _ load: MCUInstanceLoad) async throws(MCUPoolStoreError) -> MCUInstanceState? {
        let document: String
        do {
            document = try StoredJSON.encode(load)
        } catch {
            throw MCUPoolStoreError("cannot store the load report of MCU instance \(instance): \(error.reason)")
        }
        return try await perform("store the load report of MCU instance \(instance)") { client, logger in
            let rows = try await client.query(
                "UPDATE mcu_instances SET load = \(document)::jsonb, reported_at = now() WHERE id = \(instance) RETURNING state",
                logger: logger
            ).collect()
            return try rows.first.map { try MCUInstanceState(column: $0.decode(String.self), of: instance) }
        }
    }

    /// Sets an instance's state; false when unknown.
    public func setState(instance: String, _ state: MCUInstanceState) async throws(MCUPoolStoreError) -> Bool {
        try await perform("set MCU instance \(instance) \(state.rawValue)") { client, logger in
            try await !client.query(
                "UPDATE mcu_instances SET state = \(state.rawValue) WHERE id = \(instance) RETURNING id", logger: logger
            ).collect().isEmpty
        }
    }

    /// Every instance in ID order, each with its report's age by the database's clock.
    public func instances() async throws(MCUPoolStoreError) -> [MCUInstance] {
        try await perform("read the MCU instances") { client, logger in
            try await client.query("SELECT \(unescaped: Self.instanceColumns) FROM mcu_instances ORDER BY id", logger: logger)
                .collect().map(MCUInstance.init(row:))
        }
    }

    /// One instance, or nil.
    public func instance(_ id: String) async throws(MCUPoolStoreError) -> MCUInstance? {
        try await perform("read MCU instance \(id)") { client, logger in
            try await client.query("SELECT \(unescaped: Self.instanceColumns) FROM mcu_instances WHERE id = \(id)", logger: logger)
                .collect().first.map(MCUInstance.init(row:))
        }
    }

    /// Forgets an instance; refused while placements name it (the foreign key says so); false when unknown.
    public func remove(instance: String) async throws(MCUPoolStoreError) -> Bool {
        try await perform("remove MCU instance \(instance)") { client, logger in
            do {
                return try await !client.query("DELETE FROM mcu_instances WHERE id = \(instance) RETURNING id", logger: logger)
                    .collect().isEmpty
            } catch where PostgresFailure.sqlState(error) == "23503" {
                let count = try await client.query(
                    "SELECT count(*) FROM conference_placements WHERE instance = \(instance)", logger: logger
                ).collect().first?.decode(Int.self) ?? 0
                throw MCUPoolStoreError("it still hosts \(count) conference(s): move or release them first")
            }
        }
    }
}
