public import SIP
import Synchronization

/// The focus's in-memory view of the store: tenants by ID and by domain, users with their HA1 values, scheduled
/// meetings. Reads are lock-protected lookups (INVITE, SUBSCRIBE and the digest callback read it on every request);
/// ``reload(from:)`` replaces the snapshot after the store changes.
public final class TenantDirectory: Sendable {
    struct Snapshot: Sendable {
        var tenants: [String: Tenant] = [:]
        var byDomain: [String: String] = [:]
        var users: [String: [String: TenantUser]] = [:]
        var meetings: [String: [String: ScheduledMeeting]] = [:]
    }

    /// The tenant for IP-address and unknown hosts.
    public let defaultTenantID: String
    private let snapshot = Mutex(Snapshot())

    public init(defaultTenant: String) {
        self.defaultTenantID = defaultTenant
    }

    /// Reads every tenant, user and meeting from `store`.
    public func reload(from store: any FocusStore) async throws(FocusStoreError) {
        var next = Snapshot()
        for tenant in try await store.tenants() {
            next.tenants[tenant.id] = tenant
            for domain in tenant.domains { next.byDomain[domain.lowercased()] = tenant.id }
            var users: [String: TenantUser] = [:]
            for user in try await store.users(tenant: tenant.id) { users[user.name] = user }
            next.users[tenant.id] = users
            var meetings: [String: ScheduledMeeting] = [:]
            for meeting in try await store.meetings(tenant: tenant.id) { meetings[meeting.id] = meeting }
            next.meetings[tenant.id] = meetings
        }
        let ready = next
        snapshot.withLock { $0 = ready }
    }

    /// The tenant a Request-URI host reaches: the one declaring the domain, else the default tenant.
    public func tenant(forHost host: String) -> Tenant? {
        snapshot.withLock { s in
            let id = s.byDomain[host.lowercased()] ?? defaultTenantID
            return s.tenants[id]
        }
    }

    public func tenant(id: String) -> Tenant? { snapshot.withLock { $0.tenants[id] } }

    /// Every tenant, sorted by ID.
    public var tenants: [Tenant] { snapshot.withLock { $0.tenants.values.sorted { $0.id < $1.id } } }

    public func user(tenant: String, name: String) -> TenantUser? { snapshot.withLock { $0.users[tenant]?[name] } }

    public func meeting(tenant: String, id: String) -> ScheduledMeeting? { snapshot.withLock { $0.meetings[tenant]?[id] } }

    /// A tenant's scheduled meetings, sorted by ID.
    public func meetings(tenant: String) -> [ScheduledMeeting] {
        snapshot.withLock { ($0.meetings[tenant] ?? [:]).values.sorted { $0.id < $1.id } }
    }

    /// Updates one meeting in the snapshot (after the store saved it), or removes it when `meeting` is nil.
    public func replaceMeeting(tenant: String, id: String, with meeting: ScheduledMeeting?) {
        snapshot.withLock { $0.meetings[tenant, default: [:]][id] = meeting }
    }

    /// HA1 for the digest authenticator: the user of the tenant whose realm this is, nil for anyone else. A user of
    /// another tenant is unknown here, so their credentials fail in this realm.
    public func ha1(realm: String, username: String, algorithm: DigestAlgorithm) -> String? {
        snapshot.withLock { s in
            guard let tenantID = s.byDomain[realm.lowercased()] ?? (s.tenants[realm] != nil ? realm : nil),
                let tenant = s.tenants[tenantID], tenant.realm.lowercased() == realm.lowercased(),
                let user = s.users[tenantID]?[username]
            else { return nil }
            return algorithm == .md5 ? user.ha1MD5 : user.ha1SHA256
        }
    }
}

extension TenantConfiguration {
    /// The users as stored: passwords hashed into HA1 in the tenant's realm (MD5 and SHA-256), HA1 values taken as given.
    public func hashedUsers() -> [TenantUser] {
        let realm = tenant.realm
        return users.map { u in
            let md5 = u.password.map { DigestAlgorithm.md5.ha1(username: u.name, realm: realm, password: $0) } ?? (u.ha1MD5 ?? "")
            let sha = u.password.map { DigestAlgorithm.sha256.ha1(username: u.name, realm: realm, password: $0) } ?? (u.ha1SHA256 ?? "")
            return TenantUser(tenant: id, name: u.name, displayName: u.displayName ?? u.name, ha1MD5: md5.lowercased(), ha1SHA256: sha.lowercased())
        }
    }

    /// The configured meetings as stored records.
    public func scheduledMeetings() -> [ScheduledMeeting] {
        meetings.map { m in
            ScheduledMeeting(
                tenant: id, id: m.id, organizer: m.organizer, presenters: m.presenters ?? [], passcode: m.passcode,
                subject: m.subject ?? m.id, policy: m.policy ?? MeetingPolicyOverrides(), source: .configuration)
        }
    }
}
