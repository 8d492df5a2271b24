import Focus
import PostgresNIO

// The model types read back from their rows, columns in the order the stores' SELECTs name them. A damaged row is an
// error naming the record, never a trap.

extension Tenant {
    /// `SELECT id, domains, policy, quotas, dial_out FROM tenants`
    init(row: PostgresRow) throws {
        let (id, domains, policy, quotas, dialOut) = try row.decode((String, String, String, String, String).self)
        self.init(
            id: id,
            domains: try StoredJSON.decode([String].self, from: domains, column: "tenants.domains of \(id)"),
            policy: try StoredJSON.decode(MeetingPolicy.self, from: policy, column: "tenants.policy of \(id)"),
            quotas: try StoredJSON.decode(TenantQuotas.self, from: quotas, column: "tenants.quotas of \(id)"),
            dialOut: try StoredJSON.decode(DialOutPolicy.self, from: dialOut, column: "tenants.dial_out of \(id)"))
    }
}

extension TenantUser {
    /// `SELECT tenant, name, display_name, ha1_md5, ha1_sha256 FROM users`
    init(row: PostgresRow) throws {
        let (tenant, name, displayName, md5, sha256) = try row.decode((String, String, String, String, String).self)
        self.init(tenant: tenant, name: name, displayName: displayName, ha1MD5: md5, ha1SHA256: sha256)
    }
}

extension ScheduledMeeting {
    /// `SELECT tenant, id, organizer, presenters, passcode, subject, policy, source FROM meetings`
    init(row: PostgresRow) throws {
        let (tenant, id, organizer, presenters, passcode, subject, policy, sourceText) = try row.decode(
            (String, String, String?, String, String?, String, String, String).self)
        guard let source = RecordSource(rawValue: sourceText) else {
            throw FocusStoreError("meetings.source of \(tenant)/\(id) is \(sourceText), neither configuration nor api")
        }
        self.init(
            tenant: tenant, id: id, organizer: organizer,
            presenters: try StoredJSON.decode([String].self, from: presenters, column: "meetings.presenters of \(tenant)/\(id)"),
            passcode: passcode, subject: subject,
            policy: try StoredJSON.decode(MeetingPolicyOverrides.self, from: policy, column: "meetings.policy of \(tenant)/\(id)"),
            source: source)
    }
}

extension Registration {
    /// `SELECT tenant, user_name, contact, call_id, cseq, expires FROM registrations`
    init(row: PostgresRow) throws {
        let (tenant, user, contact, callID, cseq, expires) = try row.decode((String, String, String, String, Int64, Double).self)
        guard let cseq = UInt32(exactly: cseq) else {
            throw FocusStoreError("registrations.cseq of \(tenant)/\(user) is \(cseq), not a CSeq number")
        }
        self.init(tenant: tenant, user: user, contact: contact, callID: callID, cseq: cseq, expires: expires)
    }
}
