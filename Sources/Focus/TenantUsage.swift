import MCUControl

/// What one tenant uses now, checked against its ``TenantQuotas`` before a join goes further.
struct TenantUsage: Sendable {
    /// Meetings with at least one participant (seat) now.
    var conferences: Set<String> = []
    /// Seats over all its conferences.
    var participants = 0
}

extension Focus {
    /// Takes a seat (and the conference's slot when it is the first) within the tenant's quotas.
    func reserveUsage(_ tenant: Tenant, conference: ConferenceID) throws(JoinRefusal) {
        let refusal: JoinRefusal? = usage.withLock { table in
            let u = table[tenant.id] ?? TenantUsage()
            if !u.conferences.contains(conference.meeting) && u.conferences.count >= tenant.quotas.concurrentMeetings {
                return .quota("the tenant's limit of \(tenant.quotas.concurrentMeetings) concurrent meetings is reached")
            }
            if u.participants >= tenant.quotas.concurrentParticipants {
                return .quota("the tenant's limit of \(tenant.quotas.concurrentParticipants) concurrent participants is reached")
            }
            seat(conference, in: &table)
            return nil
        }
        if let refusal { throw refusal }
    }

    /// Takes a seat (and the conference's slot) without a quota check: a call taken over from the store held it before.
    func takeSeat(_ conference: ConferenceID) {
        usage.withLock { seat(conference, in: &$0) }
    }

    /// A seat taken in `table` (under its lock), shown in the gauges.
    private func seat(_ conference: ConferenceID, in table: inout [String: TenantUsage]) {
        var u = table[conference.tenant] ?? TenantUsage()
        u.conferences.insert(conference.meeting)
        u.participants += 1
        table[conference.tenant] = u
        counters.usage(tenant: conference.tenant, conferences: u.conferences.count, participants: u.participants)
    }

    /// Gives a seat back.
    func releaseSeat(_ conference: ConferenceID) {
        usage.withLock { table in
            guard var u = table[conference.tenant] else { return }
            u.participants = max(0, u.participants - 1)
            table[conference.tenant] = u
            counters.usage(tenant: conference.tenant, conferences: u.conferences.count, participants: u.participants)
        }
    }

    /// Gives a conference's slot back (it ended).
    func releaseConference(_ conference: ConferenceID) {
        usage.withLock { table in
            guard var u = table[conference.tenant] else { return }
            u.conferences.remove(conference.meeting)
            table[conference.tenant] = u
            counters.usage(tenant: conference.tenant, conferences: u.conferences.count, participants: u.participants)
        }
    }

    /// Seats and conferences a tenant uses now.
    public func usage(tenant: String) -> (conferences: Int, participants: Int) {
        usage.withLock { table in (table[tenant]?.conferences.count ?? 0, table[tenant]?.participants ?? 0) }
    }
}
