/// What an endpoint takes part in. The focus sets it with `addEndpoint` and changes it with `modifyEndpoint` (it takes
/// effect at the conference's next 20 ms tick): a caller typing a PIN is `isolated`, one waiting in the lobby is
/// `lobby`, then both are admitted to the `conference`. The MCU's SDP follows the mode: a `lobby` endpoint is answered
/// (or re-offered) `sendonly`, the others with the direction the offer allows.
public enum EndpointMode: String, Sendable, Codable, Equatable {
    /// Mixed both ways: hears the conference, is heard.
    case conference
    /// Neither hears the conference nor is heard: only announcements reach it, its DTMF is reported (PIN entry, lobby).
    /// Its video is neither forwarded to others nor is it sent anyone's video.
    case isolated
    /// Isolated, and only listening: our SDP says `sendonly` (we send prompts and take nothing), so its phone need not
    /// send at all. Its DTMF is not expected.
    case lobby

    /// Whether it is out of the mix (isolated or in the lobby).
    public var isIsolated: Bool { self != .conference }
}
