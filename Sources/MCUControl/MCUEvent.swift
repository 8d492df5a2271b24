/// What the MCU tells the focus without being asked, through the handler given to
/// ``MCUController/setEventHandler(_:)``. Events of one MCU arrive in the order they happened, never on a media loop.
public enum MCUEvent: Sendable, Codable, Equatable {
    /// A DTMF digit (RFC 4733 event, reported once per event at its end) from an endpoint: "0"-"9", "*", "#", "A"-"D".
    case dtmf(ConferenceID, EndpointID, digit: String)
    /// A non-looping announcement finished playing to an endpoint.
    case announcementFinished(ConferenceID, EndpointID, prompt: String)
    /// An endpoint has sent no RTP or RTCP (audio or video) for `seconds` — any endpoint: sending, receive-only,
    /// isolated (lobby, PIN), or on hold with the MCU's longer hold timeout — so its phone is gone without a BYE, or it
    /// never was a phone; reported once until media comes back.
    case mediaTimeout(ConferenceID, EndpointID, seconds: Int)
    /// The participant muted or unmuted themselves (the self-mute DTMF sequence). Independent of the focus's mute.
    case selfMute(ConferenceID, EndpointID, muted: Bool)
    /// The conference now runs on another MCU (a pool moved it: its MCU died or drains), with no endpoints yet: the
    /// focus adds each participant again (`addEndpoint` without an offer) and re-INVITEs them with the new MCU's offer.
    /// Sent by a pool of MCUs, never by one MCU.
    case conferenceMoved(ConferenceID)
}

extension MCUEvent {
    /// The conference the event belongs to (the focus handles each conference's events in order, apart from others).
    public var conference: ConferenceID {
        switch self {
        case .dtmf(let c, _, _), .announcementFinished(let c, _, _), .mediaTimeout(let c, _, _), .selfMute(let c, _, _): c
        case .conferenceMoved(let c): c
        }
    }
}
