public import MCUControl
public import MCUPool
import PostgresNIO

// Placements are compare-and-set on the epoch. A new placement is `INSERT … ON CONFLICT DO NOTHING` (of two inserts,
// one row is made; the other sees the conflict and returns nothing); a move is `UPDATE … WHERE epoch = expected`
// (under read committed, a second update waits for the first's row lock, then finds the epoch changed and updates
// nothing). Either way the winner's row comes back through RETURNING, in the same statement.
extension PostgresMCUPoolStore {
    /// Compare-and-set on the epoch: a new placement when `expectedEpoch` is nil, a move or confirmation otherwise.
    public func claimPlacement(
        _ conference: ConferenceID, on instance: String, expectedEpoch: Int64?
    ) async throws(MCUPoolStoreError) -> PlacementClaim {
        try await perform("place conference \(conference) on MCU instance \(instance)") { client, logger in
            let rows: [PostgresRow]
            do {
                if let expectedEpoch {
                    rows = try await client.query(
                        """
                        UPDATE conference_placements SET instance = \(instance), epoch = nextval('placement_epochs'), claimed_at = now()
                        WHERE tenant = \(conference.tenant) AND meeting = \(conference.meeting) AND epoch = \(expectedEpoch)
                        RETURNING tenant, meeting, instance, epoch, claimed_at
                        """, logger: logger
                    ).collect()
                } else {
                    rows = try await client.query(
                        """
                        INSERT INTO conference_placements (tenant, meeting, instance, epoch, claimed_at)
                        VALUES (\(conference.tenant), \(conference.meeting), \(instance), nextval('placement_epochs'), now())
                        ON CONFLICT (tenant, meeting) DO NOTHING
                        RETURNING tenant, meeting, instance, epoch, claimed_at
                        """, logger: logger
                    ).collect()
                }
            } catch where PostgresFailure.sqlState(error) == "23503" {
                throw MCUPoolStoreError("MCU instance \(instance) is not registered")
            }
            if let row = rows.first { return .claimed(try ConferencePlacement(row: row)) }
            return .lost(current: try await Self.placement(of: conference, client: client, logger: logger))
        }
    }

    /// The placement of a conference, or nil.
    public func placement(of conference: ConferenceID) async throws(MCUPoolStoreError) -> ConferencePlacement? {
        try await perform("read the placement of conference \(conference)") { client, logger in
            try await Self.placement(of: conference, client: client, logger: logger)
        }
    }

    /// The placements on an instance, by tenant and meeting.
    public func placements(on instance: String) async throws(MCUPoolStoreError) -> [ConferencePlacement] {
        try await perform("read the placements on MCU instance \(instance)") { client, logger in
            try await client.query(
                """
                SELECT tenant, meeting, instance, epoch, claimed_at FROM conference_placements
                WHERE instance = \(instance) ORDER BY tenant, meeting
                """, logger: logger
            ).collect().map(ConferencePlacement.init(row:))
        }
    }

    /// Every placement, by tenant and meeting.
    public func placements() async throws(MCUPoolStoreError) -> [ConferencePlacement] {
        try await perform("read the placements") { client, logger in
            try await client.query(
                "SELECT tenant, meeting, instance, epoch, claimed_at FROM conference_placements ORDER BY tenant, meeting",
                logger: logger
            ).collect().map(ConferencePlacement.init(row:))
        }
    }

    /// Deletes the placement only if it still has `epoch`; false otherwise.
    public func releasePlacement(_ conference: ConferenceID, epoch: Int64) async throws(MCUPoolStoreError) -> Bool {
        try await perform("release the placement of conference \(conference)") { client, logger in
            try await !client.query(
                """
                DELETE FROM conference_placements
                WHERE tenant = \(conference.tenant) AND meeting = \(conference.meeting) AND epoch = \(epoch) RETURNING epoch
                """, logger: logger
            ).collect().isEmpty
        }
    }

    private static func placement(of conference: ConferenceID, client: PostgresClient, logger: Logger) async throws -> ConferencePlacement? {
        try await client.query(
            """
            SELECT tenant, meeting, instance, epoch, claimed_at FROM conference_placements
            WHERE tenant = \(conference.tenant) AND meeting = \(conference.meeting)
            """, logger: logger
        ).collect().first.map(ConferencePlacement.init(row:))
    }
}
