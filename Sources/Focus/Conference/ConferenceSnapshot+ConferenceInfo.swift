// PLACEHOLDER until the ConferenceInfo target lands (not to be committed as is).
extension ConferenceSnapshot {
    func conferenceInfo(version: UInt32) -> String { "" }
    func partialConferenceInfo(version: UInt32, changed: [RosterEntry], removed: [RosterEntry]) -> String { "" }
}
