import Focus
import GRDB

// Inserts and updates shared by the store's methods. Every one is an UPSERT (`ON CONFLICT … DO UPDATE`), never
// `INSERT OR REPLACE`: REPLACE deletes the old row first, and deleting a tenant row would cascade to its users,
// meetings and registrations.
extension Database {
    func upsert(_ tenant: Tenant, source: RecordSource) throws {
        try execute(
            sql: """
                INSERT INTO tenants (id, domains, policy, quotas, dial_out, source) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    domains = excluded.domains, policy = excluded.policy, quotas = excluded.quotas, dial_out = excluded.dial_out,
                    source = excluded.source
                """,
            arguments: [
                tenant.id, try StoredJSON.encode(tenant.domains), try StoredJSON.encode(tenant.policy),
                try StoredJSON.encode(tenant.quotas), try StoredJSON.encode(tenant.dialOut), source.rawValue,
            ])
    }

    func upsert(_ user: TenantUser) throws {
        try execute(
            sql: """
                INSERT INTO users (tenant, name, display_name, ha1_md5, ha1_sha256) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (tenant, name) DO UPDATE SET
                    display_name = excluded.display_name, ha1_md5 = excluded.ha1_md5, ha1_sha256 = excluded.ha1_sha256
                """,
            arguments: [user.tenant, user.name, user.displayName, user.ha1MD5, user.ha1SHA256])
    }

    func upsert(_ meeting: ScheduledMeeting) throws {
        try execute(
            sql: """
                INSERT INTO meetings (tenant, id, organizer, presenters, passcode, subject, policy, source)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (tenant, id) DO UPDATE SET
                    organizer = excluded.organizer, presenters = excluded.presenters, passcode = excluded.passcode,
                    subject = excluded.subject, policy = excluded.policy, source = excluded.source
                """,
            arguments: [
                meeting.tenant, meeting.id, meeting.organizer, try StoredJSON.encode(meeting.presenters), meeting.passcode,
                meeting.subject, try StoredJSON.encode(meeting.policy), meeting.source.rawValue,
            ])
    }

    func upsert(_ registration: Registration) throws {
        try execute(
            sql: """
                INSERT INTO registrations (tenant, user, contact, call_id, cseq, expires) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (tenant, user, contact) DO UPDATE SET
                    call_id = excluded.call_id, cseq = excluded.cseq, expires = excluded.expires
                """,
            arguments: [
                registration.tenant, registration.user, registration.contact, registration.callID, registration.cseq,
                registration.expires,
            ])
    }

    /// Throws, naming the tenant, when no tenant has `id`: clearer than SQLite's "FOREIGN KEY constraint failed".
    func requireTenant(_ id: String) throws {
        guard try Bool.fetchOne(self, sql: "SELECT EXISTS (SELECT 1 FROM tenants WHERE id = ?)", arguments: [id]) == true
        else { throw FocusStoreError("tenant \(id) does not exist") }
    }
}
