import Logging
public import MCUControl
import SIP

/// Why a conference-control operation failed. `notFound` is also the answer for another tenant's conference, so a
/// caller cannot tell the two apart.
public struct ControlError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        case notFound, forbidden, invalid, conflict, failed
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
    public static func == (a: ControlError, b: ControlError) -> Bool { a.code == b.code }
}

/// The conference-control operations of the reference architecture (C3P: modifyEndpointMedia, modifyConferenceLock,
/// modifyUserRoles, deleteUser, setLobbyAccess, deleteConference). The admin API and SIP (REFER) call these after
/// checking who asks; each one changes the roster and so notifies the conference's subscribers.
extension Focus {
    /// A tenant's live conference; nil for none (and for another tenant's).
    public func liveConference(tenant: String, id: String) -> FocusConference? {
        existingConference(ConferenceID(tenant: tenant, meeting: id))
    }

    /// Mutes or unmutes one participant at the MCU (ingress filter).
    public func setMuted(_ conference: FocusConference, endpoint: EndpointID, muted: Bool) async throws(ControlError) {
        guard let entry = await conference.entry(endpoint) else { throw ControlError(.notFound, "no such participant") }
        if entry.isInMix {
            do {
                _ = try await mcu.modifyEndpoint(ModifyEndpointRequest(conference: conference.id, endpoint: endpoint, muted: muted))
            } catch {
                throw ControlError(.failed, "the MCU refused: \(error.reason)")
            }
        }
        await conference.update(endpoint) { $0.muted = muted }
        logger.info("mute", metadata: ["meeting": "\(conference.id)", "endpoint": "\(endpoint)", "muted": "\(muted)"])
    }

    /// Mutes (or unmutes) every attendee; organizers and presenters keep their voice. Returns how many changed.
    @discardableResult
    public func setMutedAll(_ conference: FocusConference, muted: Bool) async throws(ControlError) -> Int {
        var changed = 0
        for entry in await conference.roster where !entry.role.controls && entry.muted != muted {
            try await setMuted(conference, endpoint: entry.endpoint, muted: muted)
            changed += 1
        }
        return changed
    }

    /// Locks or unlocks: while locked only organizers and presenters may join.
    public func setLocked(_ conference: FocusConference, locked: Bool) async {
        await conference.setLocked(locked)
        logger.info("lock", metadata: ["meeting": "\(conference.id)", "locked": "\(locked)"])
    }

    /// Gives a tenant user a role in this conference (presenter or attendee; organizer is the meeting's).
    public func setRole(_ conference: FocusConference, user: String, role: ParticipantRole) async throws(ControlError) {
        guard role != .organizer else { throw ControlError(.invalid, "the organizer is set by the meeting, not by a role change") }
        guard directory.user(tenant: conference.id.tenant, name: user) != nil else {
            throw ControlError(.notFound, "no user \(user) in this tenant")
        }
        if await conference.role(of: user) == .organizer { throw ControlError(.conflict, "\(user) organizes this meeting") }
        _ = await conference.setRole(role, forUser: user)
        logger.info("role", metadata: ["meeting": "\(conference.id)", "user": "\(user)", "role": "\(role.rawValue)"])
    }

    /// Ejects a participant: BYE, then they leave the roster.
    public func eject(_ conference: FocusConference, endpoint: EndpointID) async throws(ControlError) {
        guard await conference.entry(endpoint) != nil else { throw ControlError(.notFound, "no such participant") }
        await conference.update(endpoint) { $0.status = .disconnecting }
        await hangUp(AdmissionKey(conference: conference.id, endpoint: endpoint), conference: conference, reason: "booted")
        logger.info("ejected", metadata: ["meeting": "\(conference.id)", "endpoint": "\(endpoint)"])
    }

    /// Ends the meeting for everyone: no one else gets in; those in it hear "the organizer ended the meeting" and get
    /// their BYE when it has played (the MCU's announcement-finished event); calls still being set up end at once.
    /// The conference goes when the last one has left; returns then (within ``farewellLimitSeconds``, the longest a
    /// last prompt may hold a call).
    public func end(_ conference: FocusConference) async {
        logger.info("ending meeting", metadata: ["meeting": "\(conference.id)"])
        let roster = await conference.roster
        _ = await conference.end()
        let reason = "ended through conference control"
        for entry in roster {
            let key = AdmissionKey(conference: conference.id, endpoint: entry.endpoint)
            if entry.isInMix || entry.status == .pending {
                await sayGoodbye(key, conference: conference, prompt: .meetingEnded, reason: reason)
            } else {
                await hangUp(key, conference: conference, reason: reason)
            }
        }
        await removeIfEmpty(conference, graceSeconds: 0)
        await conference.waitUntilRemoved()
    }
}

// MARK: - Scheduled meetings (admin API)

extension Focus {
    /// Creates or replaces a scheduled meeting (source `.api`, kept across restarts) and makes it callable at once.
    public func saveMeeting(_ meeting: ScheduledMeeting) async throws(ControlError) {
        guard directory.tenant(id: meeting.tenant) != nil else { throw ControlError(.notFound, "no such tenant") }
        guard !meeting.id.isEmpty, !meeting.id.contains(where: { $0 == "@" || $0 == "/" || $0 == " " || $0 == ":" }) else {
            throw ControlError(.invalid, "a meeting id is a SIP user part: no '@', '/', ':' or spaces")
        }
        if let organizer = meeting.organizer, directory.user(tenant: meeting.tenant, name: organizer) == nil {
            throw ControlError(.invalid, "organizer \(organizer) is not a user of the tenant")
        }
        for presenter in meeting.presenters where directory.user(tenant: meeting.tenant, name: presenter) == nil {
            throw ControlError(.invalid, "presenter \(presenter) is not a user of the tenant")
        }
        if let pin = meeting.passcode, pin.isEmpty || !pin.allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw ControlError(.invalid, "a passcode is digits only")
        }
        if let existing = directory.meeting(tenant: meeting.tenant, id: meeting.id), existing.source == .configuration {
            throw ControlError(.conflict, "meeting \(meeting.id) comes from the configuration file; change it there")
        }
        var record = meeting
        record.source = .api
        do {
            try await store.saveMeeting(record)
        } catch {
            throw ControlError(.failed, "cannot save the meeting: \(error.reason)")
        }
        directory.replaceMeeting(tenant: record.tenant, id: record.id, with: record)
        logger.info("meeting saved", metadata: ["tenant": "\(record.tenant)", "meeting": "\(record.id)"])
    }

    /// Deletes a scheduled meeting created through the API (a live conference of it goes on until it empties).
    public func deleteMeeting(tenant: String, id: String) async throws(ControlError) {
        guard let existing = directory.meeting(tenant: tenant, id: id) else { throw ControlError(.notFound, "no such meeting") }
        guard existing.source == .api else {
            throw ControlError(.conflict, "meeting \(id) comes from the configuration file; remove it there")
        }
        do {
            _ = try await store.deleteMeeting(tenant: tenant, id: id)
        } catch {
            throw ControlError(.failed, "cannot delete the meeting: \(error.reason)")
        }
        directory.replaceMeeting(tenant: tenant, id: id, with: nil)
        logger.info("meeting deleted", metadata: ["tenant": "\(tenant)", "meeting": "\(id)"])
    }
}
