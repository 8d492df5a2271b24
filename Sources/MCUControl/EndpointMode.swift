/// What an endpoint takes part in. The focus sets it with `addEndpoint` and changes it with `modifyEndpoint` (it takes
/// effect at the conference's next 20 ms tick): a caller waiting in the lobby or typing a PIN is `isolated`, then
/// admitted to the `conference`.
public enum EndpointMode: String, Sendable, Codable, Equatable {
    /// Mixed both ways: hears the conference, is heard.
    case conference
    /// Neither hears the conference nor is heard: only announcements reach it, its DTMF is reported (PIN entry, lobby).
    /// Its video is neither forwarded to others nor is it sent anyone's video.
    case isolated
}
