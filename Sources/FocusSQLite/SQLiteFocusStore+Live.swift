public import Focus
import GRDB
public import MCUControl
public import SIP

// Live conferences and their participants' calls, one JSON record per row: what a focus restarted mid-meeting rebuilds
// its conferences from. A conference is updated in place (ON CONFLICT … DO UPDATE), never replaced, so its
// participants' rows (which cascade from it) stay.
extension SQLiteFocusStore {
    public func saveLiveConference(_ conference: LiveConference) async throws(FocusStoreError) {
        let record = try StoredJSON.encode(conference)
        try await write("save live conference \(conference.id)") { db in
            try db.requireTenant(conference.id.tenant)
            try db.execute(
                sql: """
                    INSERT INTO live_conferences (tenant, meeting, record) VALUES (?, ?, ?)
                    ON CONFLICT (tenant, meeting) DO UPDATE SET record = excluded.record
                    """,
                arguments: [conference.id.tenant, conference.id.meeting, record])
        }
    }

    public func removeLiveConference(_ id: ConferenceID) async throws(FocusStoreError) {
        try await write("remove live conference \(id)") { db in
            try db.execute(sql: "DELETE FROM live_conferences WHERE tenant = ? AND meeting = ?", arguments: [id.tenant, id.meeting])
        }
    }

    /// - Throws: ``FocusStoreError`` when its conference is not stored.
    public func saveLiveParticipant(_ participant: LiveParticipant) async throws(FocusStoreError) {
        let record = try StoredJSON.encode(participant)
        let id = participant.conference
        try await write("save live participant \(participant.endpoint) of \(id)") { db in
            guard try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM live_conferences WHERE tenant = ? AND meeting = ?)", arguments: [id.tenant, id.meeting]) == true
            else { throw FocusStoreError("live conference \(id) is not stored") }
            try db.execute(
                sql: """
                    INSERT INTO live_participants (tenant, meeting, endpoint, record) VALUES (?, ?, ?, ?)
                    ON CONFLICT (tenant, meeting, endpoint) DO UPDATE SET record = excluded.record
                    """,
                arguments: [id.tenant, id.meeting, participant.endpoint.value, record])
        }
    }

    public func removeLiveParticipant(_ conference: ConferenceID, _ endpoint: EndpointID) async throws(FocusStoreError) {
        try await write("remove live participant \(endpoint) of \(conference)") { db in
            try db.execute(
                sql: "DELETE FROM live_participants WHERE tenant = ? AND meeting = ? AND endpoint = ?",
                arguments: [conference.tenant, conference.meeting, endpoint.value])
        }
    }

    public func liveConferences() async throws(FocusStoreError) -> [LiveConference] {
        let rows = try await read("read the live conferences") { db in
            try Row.fetchAll(db, sql: "SELECT tenant, meeting, record FROM live_conferences ORDER BY tenant, meeting").map {
                (tenant: $0["tenant"] as String, meeting: $0["meeting"] as String, record: $0["record"] as String)
            }
        }
        var decoded: [LiveConference] = []
        for row in rows {
            decoded.append(try StoredJSON.decode(LiveConference.self, from: row.record, column: "live_conferences.record of \(row.tenant)/\(row.meeting)"))
        }
        return decoded
    }

    public func liveParticipants() async throws(FocusStoreError) -> [LiveParticipant] {
        let rows = try await read("read the live participants") { db in
            try Row.fetchAll(db, sql: "SELECT tenant, meeting, endpoint, record FROM live_participants ORDER BY tenant, meeting, endpoint").map {
                (id: "\($0["tenant"] as String)/\($0["meeting"] as String)/\($0["endpoint"] as String)", record: $0["record"] as String)
            }
        }
        var decoded: [LiveParticipant] = []
        for row in rows {
            decoded.append(try StoredJSON.decode(LiveParticipant.self, from: row.record, column: "live_participants.record of \(row.id)"))
        }
        return decoded
    }
}

// Subscriptions to the conference event package, keyed by tenant and dialog.
extension SQLiteFocusStore {
    public func saveLiveSubscription(_ subscription: LiveSubscription) async throws(FocusStoreError) {
        let record = try StoredJSON.encode(subscription)
        let tenant = subscription.conference.tenant
        let dialog = subscription.dialog.id.description
        try await write("save a subscription to \(subscription.conference)") { db in
            try db.requireTenant(tenant)
            try db.execute(
                sql: """
                    INSERT INTO live_subscriptions (tenant, dialog, record) VALUES (?, ?, ?)
                    ON CONFLICT (tenant, dialog) DO UPDATE SET record = excluded.record
                    """,
                arguments: [tenant, dialog, record])
        }
    }

    public func removeLiveSubscription(tenant: String, dialog: SIPDialogID) async throws(FocusStoreError) {
        let key = dialog.description
        try await write("remove a subscription of tenant \(tenant)") { db in
            try db.execute(sql: "DELETE FROM live_subscriptions WHERE tenant = ? AND dialog = ?", arguments: [tenant, key])
        }
    }

    public func liveSubscriptions() async throws(FocusStoreError) -> [LiveSubscription] {
        let rows = try await read("read the live subscriptions") { db in
            try Row.fetchAll(db, sql: "SELECT tenant, dialog, record FROM live_subscriptions ORDER BY tenant, dialog").map {
                (id: "\($0["tenant"] as String)/\($0["dialog"] as String)", record: $0["record"] as String)
            }
        }
        var decoded: [LiveSubscription] = []
        for row in rows {
            decoded.append(try StoredJSON.decode(LiveSubscription.self, from: row.record, column: "live_subscriptions.record of \(row.id)"))
        }
        return decoded
    }
}
