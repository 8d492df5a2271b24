// RFC 4575 §5 fixes these value sets in its schema (state-type, endpoint-status-type, joining-type,
// disconnection-type, media-status-type). The raw values are the schema's tokens.

/// Whether an element carries its whole state, only what changed, or announces its removal (RFC 4575 §4.6, state-type).
public enum ElementState: String, Sendable, Hashable, CaseIterable {
    /// The element's complete state: it replaces whatever the subscriber held.
    case full
    /// Only what changed since the previous document: merged into the subscriber's copy.
    case partial
    /// The element is gone: the subscriber removes it.
    case deleted
}

/// How an endpoint stands with the focus (RFC 4575 §5, endpoint-status-type).
public enum EndpointStatus: String, Sendable, Hashable, CaseIterable {
    /// Not yet dialled, nor dialling in.
    case pending
    /// The focus is calling the endpoint.
    case dialingOut = "dialing-out"
    /// The endpoint is calling the focus and has not been admitted yet.
    case dialingIn = "dialing-in"
    /// The endpoint is ringing.
    case alerting
    /// Connected, but the endpoint has put the conference on hold.
    case onHold = "on-hold"
    /// Connected and taking part in the mix.
    case connected
    /// Connected, but the focus does not mix its media in (muted by a moderator or by policy).
    case mutedViaFocus = "muted-via-focus"
    /// The focus is tearing the call down.
    case disconnecting
    /// No longer part of the conference.
    case disconnected
}

/// How an endpoint came to join (RFC 4575 §5, joining-type).
public enum JoiningMethod: String, Sendable, Hashable, CaseIterable {
    /// The endpoint called the conference.
    case dialedIn = "dialed-in"
    /// The focus called the endpoint.
    case dialedOut = "dialed-out"
    /// The endpoint is the focus itself (it owns the conference).
    case focusOwner = "focus-owner"
}

/// How an endpoint left (RFC 4575 §5, disconnection-type).
public enum DisconnectionMethod: String, Sendable, Hashable, CaseIterable {
    /// It hung up by itself.
    case departed
    /// It was removed by someone else (a moderator, or the focus on a policy's behalf).
    case booted
    /// The call failed (an error, a time-out).
    case failed
    /// It was busy when dialled out to.
    case busy
}

/// The direction a media stream flows in (RFC 4575 §5, media-status-type: the SDP direction attributes of RFC 3264).
/// The RFC names no point of view; Consort writes it from the endpoint's side, as other implementations do (Jitsi
/// reverses its own direction for a remote peer): `sendonly` means the endpoint sends and receives nothing.
public enum MediaStatus: String, Sendable, Hashable, CaseIterable {
    /// Both ways.
    case sendrecv
    /// From the endpoint to the focus only.
    case sendonly
    /// From the focus to the endpoint only.
    case recvonly
    /// Neither way.
    case inactive
}
