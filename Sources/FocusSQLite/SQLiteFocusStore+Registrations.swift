public import Focus
import GRDB

// A binding is live while `expires > now`; `purgeExpiredRegistrations(now:)` deletes exactly the others, so the two
// never disagree about a binding that expires at `now`.
extension SQLiteFocusStore {
    /// The bindings of a user still live at `now` (seconds since 1970), ordered by contact.
    public func registrations(tenant: String, user: String, now: Double) async throws(FocusStoreError) -> [Registration] {
        try await read("read the registrations of \(user) in tenant \(tenant)") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM registrations WHERE tenant = ? AND user = ? AND expires > ? ORDER BY contact",
                arguments: [tenant, user, now]
            ).map(Registration.init(row:))
        }
    }

    /// Adds a binding, or refreshes the one with the same tenant, user and contact (Call-ID, CSeq, expiry).
    ///
    /// - Throws: ``FocusStoreError`` when the tenant does not exist.
    public func saveRegistration(_ registration: Registration) async throws(FocusStoreError) {
        try await write("save the registration of \(registration.user) in tenant \(registration.tenant)") { db in
            try db.requireTenant(registration.tenant)
            try db.upsert(registration)
        }
    }

    /// Removes one binding, or every binding of the user when `contact` is nil.
    public func removeRegistrations(tenant: String, user: String, contact: String?) async throws(FocusStoreError) {
        try await write("remove the registrations of \(user) in tenant \(tenant)") { db in
            if let contact {
                try db.execute(
                    sql: "DELETE FROM registrations WHERE tenant = ? AND user = ? AND contact = ?",
                    arguments: [tenant, user, contact])
            } else {
                try db.execute(sql: "DELETE FROM registrations WHERE tenant = ? AND user = ?", arguments: [tenant, user])
            }
        }
    }

    /// Deletes the bindings no longer live at `now` (`expires <= now`); returns how many.
    public func purgeExpiredRegistrations(now: Double) async throws(FocusStoreError) -> Int {
        try await write("purge expired registrations") { db in
            try db.execute(sql: "DELETE FROM registrations WHERE expires <= ?", arguments: [now])
            return db.changesCount
        }
    }
}
