public import Focus
public import MCUControl
public import SIP
import PostgresNIO

// Live conferences and their participants' calls, one JSON record per row: what a focus restarted mid-meeting (or
// another focus sharing the database) rebuilds its conferences from. A conference is updated in place, never replaced,
// so its participants' rows (which cascade from it) stay.
extension PostgresFocusStore {
    public func saveLiveConference(_ conference: LiveConference) async throws(FocusStoreError) {
        let record = try StoredJSON.encode(conference)
        let id = conference.id
        try await transaction("save live conference \(id)") { connection, logger in
            try await connection.requireTenant(id.tenant, logger: logger)
            try await connection.query(
                """
                INSERT INTO live_conferences (tenant, meeting, record) VALUES (\(id.tenant), \(id.meeting), \(record)::jsonb)
                ON CONFLICT (tenant, meeting) DO UPDATE SET record = excluded.record
                """, logger: logger)
        }
    }

    public func removeLiveConference(_ id: ConferenceID) async throws(FocusStoreError) {
        try await perform("remove live conference \(id)") { client, logger in
            try await client.execute("DELETE FROM live_conferences WHERE tenant = \(id.tenant) AND meeting = \(id.meeting)", logger: logger)
        }
    }

    /// - Throws: ``FocusStoreError`` when its conference is not stored.
    public func saveLiveParticipant(_ participant: LiveParticipant) async throws(FocusStoreError) {
        let record = try StoredJSON.encode(participant)
        let id = participant.conference
        let endpoint = participant.endpoint.value
        try await transaction("save live participant \(endpoint) of \(id)") { connection, logger in
            let found = try await connection.query(
                "SELECT 1 FROM live_conferences WHERE tenant = \(id.tenant) AND meeting = \(id.meeting)", logger: logger
            ).collect()
            if found.isEmpty { throw FocusStoreError("live conference \(id) is not stored") }
            try await connection.query(
                """
                INSERT INTO live_participants (tenant, meeting, endpoint, record)
                VALUES (\(id.tenant), \(id.meeting), \(endpoint), \(record)::jsonb)
                ON CONFLICT (tenant, meeting, endpoint) DO UPDATE SET record = excluded.record
                """, logger: logger)
        }
    }

    public func removeLiveParticipant(_ conference: ConferenceID, _ endpoint: EndpointID) async throws(FocusStoreError) {
        let value = endpoint.value
        try await perform("remove live participant \(value) of \(conference)") { client, logger in
            try await client.execute(
                """
                DELETE FROM live_participants WHERE tenant = \(conference.tenant) AND meeting = \(conference.meeting)
                AND endpoint = \(value)
                """, logger: logger)
        }
    }

    public func liveConferences() async throws(FocusStoreError) -> [LiveConference] {
        let rows = try await perform("read the live conferences") { client, logger in
            try await client.query("SELECT tenant, meeting, record::text FROM live_conferences ORDER BY tenant, meeting", logger: logger)
                .collect().map { try $0.decode((String, String, String).self) }
        }
        var decoded: [LiveConference] = []
        for (tenant, meeting, record) in rows {
            decoded.append(try StoredJSON.decode(LiveConference.self, from: record, column: "live_conferences.record of \(tenant)/\(meeting)"))
        }
        return decoded
    }

    public func liveParticipants() async throws(FocusStoreError) -> [LiveParticipant] {
        let rows = try await perform("read the live participants") { client, logger in
            try await client.query(
                "SELECT tenant, meeting, endpoint, record::text FROM live_participants ORDER BY tenant, meeting, endpoint", logger: logger
            ).collect().map { try $0.decode((String, String, String, String).self) }
        }
        var decoded: [LiveParticipant] = []
        for (tenant, meeting, endpoint, record) in rows {
            decoded.append(
                try StoredJSON.decode(LiveParticipant.self, from: record, column: "live_participants.record of \(tenant)/\(meeting)/\(endpoint)"))
        }
        return decoded
    }
}

// Subscriptions to the conference event package, keyed by tenant and dialog.
extension PostgresFocusStore {
    public func saveLiveSubscription(_ subscription: LiveSubscription) async throws(FocusStoreError) {
        let record = try StoredJSON.encode(subscription)
        let tenant = subscription.conference.tenant
        let dialog = subscription.dialog.id.description
        try await transaction("save a subscription to \(subscription.conference)") { connection, logger in
            try await connection.requireTenant(tenant, logger: logger)
            try await connection.query(
                """
                INSERT INTO live_subscriptions (tenant, dialog, record) VALUES (\(tenant), \(dialog), \(record)::jsonb)
                ON CONFLICT (tenant, dialog) DO UPDATE SET record = excluded.record
                """, logger: logger)
        }
    }

    public func removeLiveSubscription(tenant: String, dialog: SIPDialogID) async throws(FocusStoreError) {
        let key = dialog.description
        try await perform("remove a subscription of tenant \(tenant)") { client, logger in
            try await client.execute("DELETE FROM live_subscriptions WHERE tenant = \(tenant) AND dialog = \(key)", logger: logger)
        }
    }

    public func liveSubscriptions() async throws(FocusStoreError) -> [LiveSubscription] {
        let rows = try await perform("read the live subscriptions") { client, logger in
            try await client.query("SELECT tenant, dialog, record::text FROM live_subscriptions ORDER BY tenant, dialog", logger: logger)
                .collect().map { try $0.decode((String, String, String).self) }
        }
        var decoded: [LiveSubscription] = []
        for (tenant, dialog, record) in rows {
            decoded.append(try StoredJSON.decode(LiveSubscription.self, from: record, column: "live_subscriptions.record of \(tenant)/\(dialog)"))
        }
        return decoded
    }
}
