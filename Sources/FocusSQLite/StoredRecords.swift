import Focus
import GRDB

// The model types read back from their rows. Column values are decoded with GRDB's throwing `decode`, so a
// damaged row is an error naming the record, never a trap.

extension Tenant {
    /// A row of `tenants`.
    init(row: Row) throws {
        let id = try row.decode(String.self, forColumn: "id")
        self.init(
            id: id,
            domains: try StoredJSON.decode([String].self, from: row.decode(forColumn: "domains"), column: "tenants.domains of \(id)"),
            policy: try StoredJSON.decode(MeetingPolicy.self, from: row.decode(forColumn: "policy"), column: "tenants.policy of \(id)"),
            quotas: try StoredJSON.decode(TenantQuotas.self, from: row.decode(forColumn: "quotas"), column: "tenants.quotas of \(id)"),
            dialOut: try StoredJSON.decode(DialOutPolicy.self, from: row.decode(forColumn: "dial_out"), column: "tenants.dial_out of \(id)")
        )
    }
}

extension TenantUser {
    /// A row of `users`.
    init(row: Row) throws {
        self.init(
            tenant: try row.decode(forColumn: "tenant"),
            name: try row.decode(forColumn: "name"),
            displayName: try row.decode(forColumn: "display_name"),
            ha1MD5: try row.decode(forColumn: "ha1_md5"),
            ha1SHA256: try row.decode(forColumn: "ha1_sha256")
        )
    }
}

extension ScheduledMeeting {
    /// A row of `meetings`.
    init(row: Row) throws {
        let tenant = try row.decode(String.self, forColumn: "tenant")
        let id = try row.decode(String.self, forColumn: "id")
        let sourceText = try row.decode(String.self, forColumn: "source")
        guard let source = RecordSource(rawValue: sourceText) else {
            throw FocusStoreError("meetings.source of \(tenant)/\(id) is \(sourceText), neither configuration nor api")
        }
        self.init(
            tenant: tenant,
            id: id,
            organizer: try row.decode(forColumn: "organizer"),
            presenters: try StoredJSON.decode(
                [String].self, from: row.decode(forColumn: "presenters"), column: "meetings.presenters of \(tenant)/\(id)"),
            passcode: try row.decode(forColumn: "passcode"),
            subject: try row.decode(forColumn: "subject"),
            policy: try StoredJSON.decode(
                MeetingPolicyOverrides.self, from: row.decode(forColumn: "policy"), column: "meetings.policy of \(tenant)/\(id)"),
            source: source
        )
    }
}

extension Registration {
    /// A row of `registrations`.
    init(row: Row) throws {
        self.init(
            tenant: try row.decode(forColumn: "tenant"),
            user: try row.decode(forColumn: "user"),
            contact: try row.decode(forColumn: "contact"),
            callID: try row.decode(forColumn: "call_id"),
            cseq: try row.decode(forColumn: "cseq"),
            expires: try row.decode(forColumn: "expires")
        )
    }
}
