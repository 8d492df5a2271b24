/// What the conference is and how to reach it (RFC 4575 §5, `<conference-description>`, conference-description-type).
///
/// Every field is optional in the schema. In a partial document a field that is present replaces the subscriber's
/// value and an absent one leaves it as it was (the element has no `state` attribute of its own).
public struct ConferenceDescription: Sendable, Equatable {
    /// A human-readable name for the conference (`<display-text>`).
    public var displayText: String?
    /// The conference's subject (`<subject>`).
    public var subject: String?
    /// The URIs to join by, each with its purpose, e.g. `participation` or `streaming` (`<conf-uris>`).
    public var confURIs: URIList?
    /// Auxiliary services, each with its purpose, e.g. `web-page` or `recording` (`<service-uris>`).
    public var serviceURIs: URIList?
    /// How many users the conference admits at most (`<maximum-user-count>`).
    public var maximumUserCount: UInt32?

    /// A description; every field defaults to absent.
    public init(
        displayText: String? = nil, subject: String? = nil, confURIs: URIList? = nil, serviceURIs: URIList? = nil,
        maximumUserCount: UInt32? = nil
    ) {
        self.displayText = displayText
        self.subject = subject
        self.confURIs = confURIs
        self.serviceURIs = serviceURIs
        self.maximumUserCount = maximumUserCount
    }
}

/// Who hosts the conference (RFC 4575 §5, `<host-info>`, host-type).
public struct HostInfo: Sendable, Equatable {
    /// The host's name (`<display-text>`).
    public var displayText: String?
    /// The host's web page (`<web-page>`).
    public var webPage: String?
    /// URIs to reach the host by (`<uris>`).
    public var uris: URIList?

    /// Host information; every field defaults to absent.
    public init(displayText: String? = nil, webPage: String? = nil, uris: URIList? = nil) {
        self.displayText = displayText
        self.webPage = webPage
        self.uris = uris
    }
}

/// A list of URIs with a `state` attribute (RFC 4575 §5, uris-type): `<conf-uris>`, `<service-uris>`, `<uris>`.
///
/// The schema requires at least one entry, so the serialiser leaves out a list without entries. In a partial list
/// an entry replaces the subscriber's entry with the same `uri` or is added; entries have no `state` of their own,
/// so removing one takes a full list.
public struct URIList: Sendable, Equatable {
    /// How a subscriber applies the list.
    public var state: ElementState
    /// The URIs, in document order.
    public var entries: [URIEntry]

    /// A list of `entries`, full unless said otherwise.
    public init(state: ElementState = .full, _ entries: [URIEntry]) {
        self.state = state
        self.entries = entries
    }
}

/// One URI of a list (RFC 4575 §5, `<entry>`, uri-type).
public struct URIEntry: Sendable, Equatable {
    /// The URI (`<uri>`, mandatory); the entry's key within its list.
    public var uri: String
    /// A human-readable label (`<display-text>`).
    public var displayText: String?
    /// What the URI is for, e.g. `participation`, `streaming`, `web-page` (`<purpose>`).
    public var purpose: String?

    /// An entry for `uri`.
    public init(uri: String, displayText: String? = nil, purpose: String? = nil) {
        self.uri = uri
        self.displayText = displayText
        self.purpose = purpose
    }
}
