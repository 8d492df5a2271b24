import Focus
import Logging
import PostgresNIO

// Inserts and updates shared by the store's methods: each an UPSERT (`ON CONFLICT … DO UPDATE`), which updates the row
// in place, so a tenant's users, meetings and registrations are never deleted with it by accident.
extension PostgresConnection {
    func upsert(_ tenant: Tenant, source: RecordSource, logger: Logger) async throws {
        try await query(
            """
            INSERT INTO tenants (id, domains, policy, quotas, dial_out, source)
            VALUES (\(tenant.id), \(try StoredJSON.encode(tenant.domains))::jsonb, \(try StoredJSON.encode(tenant.policy))::jsonb,
                    \(try StoredJSON.encode(tenant.quotas))::jsonb, \(try StoredJSON.encode(tenant.dialOut))::jsonb, \(source.rawValue))
            ON CONFLICT (id) DO UPDATE SET
                domains = excluded.domains, policy = excluded.policy, quotas = excluded.quotas, dial_out = excluded.dial_out,
                source = excluded.source
            """, logger: logger)
    }

    func upsert(_ user: TenantUser, logger: Logger) async throws {
        try await query(
            """
            INSERT INTO users (tenant, name, display_name, ha1_md5, ha1_sha256)
            VALUES (\(user.tenant), \(user.name), \(user.displayName), \(user.ha1MD5), \(user.ha1SHA256))
            ON CONFLICT (tenant, name) DO UPDATE SET
                display_name = excluded.display_name, ha1_md5 = excluded.ha1_md5, ha1_sha256 = excluded.ha1_sha256
            """, logger: logger)
    }

    func upsert(_ meeting: ScheduledMeeting, logger: Logger) async throws {
        try await query(
            """
            INSERT INTO meetings (tenant, id, organizer, presenters, passcode, subject, policy, source)
            VALUES (\(meeting.tenant), \(meeting.id), \(meeting.organizer), \(try StoredJSON.encode(meeting.presenters))::jsonb,
                    \(meeting.passcode), \(meeting.subject), \(try StoredJSON.encode(meeting.policy))::jsonb, \(meeting.source.rawValue))
            ON CONFLICT (tenant, id) DO UPDATE SET
                organizer = excluded.organizer, presenters = excluded.presenters, passcode = excluded.passcode,
                subject = excluded.subject, policy = excluded.policy, source = excluded.source
            """, logger: logger)
    }

    func upsert(_ registration: Registration, logger: Logger) async throws {
        try await query(
            """
            INSERT INTO registrations (tenant, user_name, contact, call_id, cseq, expires)
            VALUES (\(registration.tenant), \(registration.user), \(registration.contact), \(registration.callID),
                    \(Int64(registration.cseq)), \(registration.expires))
            ON CONFLICT (tenant, user_name, contact) DO UPDATE SET
                call_id = excluded.call_id, cseq = excluded.cseq, expires = excluded.expires
            """, logger: logger)
    }

    /// Throws, naming the tenant, when no tenant has `id`: clearer than a foreign key violation.
    func requireTenant(_ id: String, logger: Logger) async throws {
        let rows = try await query("SELECT 1 FROM tenants WHERE id = \(id)", logger: logger).collect()
        if rows.isEmpty { throw FocusStoreError("tenant \(id) does not exist") }
    }
}
