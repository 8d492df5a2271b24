import MCUControl
import SIP

/// A caller answered but not yet in the mix: typing the meeting's PIN, or waiting in the lobby.
struct Admission: Sendable {
    enum Stage: Sendable, Equatable {
        /// Collecting DTMF digits up to `#`; `failures` wrong PINs so far.
        case pin(digits: String, failures: Int)
        /// Waiting for an organizer or presenter to admit or deny.
        case lobby
    }

    var stage: Stage
    /// Whether the lobby follows a correct PIN.
    var lobbyAfterPIN: Bool
    /// Join muted when admitted.
    var muted: Bool
    /// Replay the PIN prompt when the current one (wrong PIN) finishes.
    var promptAfter: Prompt?
    /// The caller is hanging up after a last prompt: ignore further digits.
    var closing = false
    /// The source IP wrong PINs count against (nil: a trusted source).
    var source: String? = nil
}

/// Keys admissions by conference and endpoint.
struct AdmissionKey: Hashable, Sendable {
    var conference: ConferenceID
    var endpoint: EndpointID
}

/// The prompts under `focus.promptDirectory` (Config/prompts/README.md).
public enum Prompt: String, Sendable, CaseIterable {
    case firstParticipant = "first-participant"
    case locked
    case lobby
    case enterPIN = "enter-pin"
    case wrongPIN = "wrong-pin"
    case meetingEnded = "meeting-ended"
    case lobbyTimeout = "lobby-timeout"
    case meetingFull = "meeting-full"

    /// Its file in the prompt folder.
    public var fileName: String { "\(rawValue).wav" }
}
