import Focus

/// Records the tests store: two tenants with users and meetings, as a configuration would give them.
enum Fixtures {
    static func tenant(_ id: String, maxParticipants: Int = 100) -> Tenant {
        var policy = MeetingPolicy()
        policy.maxParticipants = maxParticipants
        policy.lobby = .anonymous
        var quotas = TenantQuotas()
        quotas.concurrentMeetings = 7
        return Tenant(id: id, domains: ["\(id).example", "sip.\(id).example"], policy: policy, quotas: quotas)
    }

    static func user(_ tenant: String, _ name: String, displayName: String? = nil) -> TenantUser {
        TenantUser(
            tenant: tenant, name: name, displayName: displayName ?? name.capitalized,
            ha1MD5: String(repeating: "a", count: 32), ha1SHA256: String(repeating: "b", count: 64))
    }

    static func meeting(
        _ tenant: String, _ id: String, subject: String = "Weekly", source: RecordSource = .configuration
    ) -> ScheduledMeeting {
        ScheduledMeeting(
            tenant: tenant, id: id, organizer: "alice", presenters: ["bob"], passcode: "1234", subject: subject,
            policy: MeetingPolicyOverrides(maxParticipants: 12, lobby: .attendees), source: source)
    }

    static func registration(
        _ tenant: String, _ user: String, contact: String, cseq: UInt32 = 1, expires: Double
    ) -> Registration {
        Registration(tenant: tenant, user: user, contact: contact, callID: "call-\(contact)", cseq: cseq, expires: expires)
    }
}
