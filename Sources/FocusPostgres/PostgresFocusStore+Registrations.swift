public import Focus
import PostgresNIO

// A binding is live while `expires > now`; `purgeExpiredRegistrations(now:)` deletes exactly the others, so the two
// never disagree about a binding that expires at `now`.
extension PostgresFocusStore {
    /// The bindings of a user still live at `now` (seconds since 1970), ordered by contact.
    public func registrations(tenant: String, user: String, now: Double) async throws(FocusStoreError) -> [Registration] {
        try await perform("read the registrations of \(user) in tenant \(tenant)") { client, logger in
            try await client.query(
                """
                SELECT tenant, user_name, contact, call_id, cseq, expires FROM registrations
                WHERE tenant = \(tenant) AND user_name = \(user) AND expires > \(now) ORDER BY contact
                """, logger: logger
            ).collect().map(Registration.init(row:))
        }
    }

    /// Adds a binding, or refreshes the one with the same tenant, user and contact (Call-ID, CSeq, expiry).
    ///
    /// - Throws: ``FocusStoreError`` when the tenant does not exist.
    public func saveRegistration(_ registration: Registration) async throws(FocusStoreError) {
        try await transaction("save the registration of \(registration.user) in tenant \(registration.tenant)") { connection, logger in
            try await connection.requireTenant(registration.tenant, logger: logger)
            try await connection.upsert(registration, logger: logger)
        }
    }

    /// Removes one binding, or every binding of the user when `contact` is nil.
    public func removeRegistrations(tenant: String, user: String, contact: String?) async throws(FocusStoreError) {
        try await perform("remove the registrations of \(user) in tenant \(tenant)") { client, logger in
            if let contact {
                try await client.execute(
                    "DELETE FROM registrations WHERE tenant = \(tenant) AND user_name = \(user) AND contact = \(contact)", logger: logger)
            } else {
                try await client.execute("DELETE FROM registrations WHERE tenant = \(tenant) AND user_name = \(user)", logger: logger)
            }
        }
    }

    /// Deletes the bindings no longer live at `now` (`expires <= now`); returns how many.
    public func purgeExpiredRegistrations(now: Double) async throws(FocusStoreError) -> Int {
        try await perform("purge expired registrations") { client, logger in
            try await client.query("DELETE FROM registrations WHERE expires <= \(now) RETURNING 1", logger: logger).collect().count
        }
    }
}
