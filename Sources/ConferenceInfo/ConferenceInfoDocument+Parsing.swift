// RFC 4575 §5: reads the elements the model holds, in any order, and skips the rest (the schema's other elements,
// and extensions, which must be in other namespaces). Values outside the schema's types are errors: an unknown
// endpoint status, a user-count that is not an xs:unsignedInt, a <when> that is not an xs:dateTime.

extension ConferenceInfoDocument {
    /// Reads a conference-info document from XML text (a NOTIFY body).
    /// - Throws: ``ConferenceInfoError`` with code `malformedXML` or `invalidDocument`.
    public init(xml: String) throws {
        try self.init(xml: Array(xml.utf8))
    }

    /// Reads a conference-info document from UTF-8 bytes.
    /// - Throws: ``ConferenceInfoError`` with code `malformedXML` (also for bytes that are not UTF-8) or
    ///   `invalidDocument`.
    public init(xml bytes: [UInt8]) throws {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw ConferenceInfoError(.malformedXML, "the body is not UTF-8")
        }
        let root = try XMLTreeParser.parse(bytes)
        self = try DocumentReader().document(root)
    }
}

/// Maps an element tree onto the model.
private struct DocumentReader {
    let ns = ConferenceInfoDocument.namespace

    func document(_ root: XMLElementNode) throws -> ConferenceInfoDocument {
        guard root.name == "conference-info", root.namespace == ns else {
            throw invalid("the root element is not <conference-info> in \(ns)")
        }
        guard let entity = root.attribute("entity") else { throw invalid("<conference-info> without entity") }
        guard let versionText = root.attribute("version") else { throw invalid("<conference-info> without version") }
        guard let version = UInt32(collapsed(versionText)) else { throw invalid("version \"\(versionText)\" is not an xs:unsignedInt") }
        return ConferenceInfoDocument(
            entity: collapsed(entity), state: try state(of: root), version: version,
            description: try root.child("conference-description", in: ns).map(description),
            hostInfo: try root.child("host-info", in: ns).map(hostInfo),
            conferenceState: try root.child("conference-state", in: ns).map(conferenceState),
            users: try root.child("users", in: ns).map(users))
    }

    private func description(_ e: XMLElementNode) throws -> ConferenceDescription {
        ConferenceDescription(
            displayText: text(e, "display-text"), subject: text(e, "subject"),
            confURIs: try e.child("conf-uris", in: ns).map(uriList),
            serviceURIs: try e.child("service-uris", in: ns).map(uriList),
            maximumUserCount: try number(e, "maximum-user-count"))
    }

    private func hostInfo(_ e: XMLElementNode) throws -> HostInfo {
        HostInfo(displayText: text(e, "display-text"), webPage: token(e, "web-page"), uris: try e.child("uris", in: ns).map(uriList))
    }

    private func uriList(_ e: XMLElementNode) throws -> URIList {
        let entries = try e.children("entry", in: ns).map { entry in
            guard let uri = token(entry, "uri") else { throw invalid("<\(e.name)> entry without <uri>") }
            return URIEntry(uri: uri, displayText: text(entry, "display-text"), purpose: text(entry, "purpose"))
        }
        return URIList(state: try state(of: e), entries)
    }

    private func conferenceState(_ e: XMLElementNode) throws -> ConferenceState {
        ConferenceState(userCount: try number(e, "user-count"), active: try boolean(e, "active"), locked: try boolean(e, "locked"))
    }

    private func users(_ e: XMLElementNode) throws -> ConferenceUsers {
        ConferenceUsers(state: try state(of: e), try e.children("user", in: ns).map(user))
    }

    private func user(_ e: XMLElementNode) throws -> ConferenceUser {
        guard let entity = e.attribute("entity") else { throw invalid("<user> without entity") }
        return ConferenceUser(
            entity: collapsed(entity), state: try state(of: e), displayText: text(e, "display-text"),
            roles: e.child("roles", in: ns)?.children("entry", in: ns).map(\.text) ?? [],
            languages: token(e, "languages").map { $0.split(separator: " ").map(String.init) } ?? [],
            endpoints: try e.children("endpoint", in: ns).map(endpoint))
    }

    private func endpoint(_ e: XMLElementNode) throws -> ConferenceEndpoint {
        guard let entity = e.attribute("entity") else { throw invalid("<endpoint> without entity") }
        return ConferenceEndpoint(
            entity: collapsed(entity), state: try state(of: e), displayText: text(e, "display-text"),
            status: try value(e, "status", EndpointStatus.self),
            joiningMethod: try value(e, "joining-method", JoiningMethod.self),
            joiningInfo: try e.child("joining-info", in: ns).map(execution),
            disconnectionMethod: try value(e, "disconnection-method", DisconnectionMethod.self),
            disconnectionInfo: try e.child("disconnection-info", in: ns).map(execution),
            media: try e.children("media", in: ns).map(media))
    }

    private func execution(_ e: XMLElementNode) throws -> ExecutionInfo {
        var when: Double?
        if let text = token(e, "when") {
            guard let seconds = XSDateTime.parse(text) else { throw invalid("<when> \"\(text)\" is not an xs:dateTime") }
            when = seconds
        }
        return ExecutionInfo(when: when, reason: text(e, "reason"), by: token(e, "by"))
    }

    private func media(_ e: XMLElementNode) throws -> EndpointMedia {
        guard let id = e.attribute("id") else { throw invalid("<media> without id") }
        return EndpointMedia(
            id: id, displayText: text(e, "display-text"), type: token(e, "type"), label: token(e, "label"),
            srcID: token(e, "src-id"), status: try value(e, "status", MediaStatus.self))
    }

    // MARK: Values

    private func state(of e: XMLElementNode) throws -> ElementState {
        guard let raw = e.attribute("state") else { return .full }
        guard let state = ElementState(rawValue: collapsed(raw)) else { throw invalid("<\(e.name)> state \"\(raw)\"") }
        return state
    }

    /// An xs:string child as written.
    private func text(_ e: XMLElementNode, _ name: String) -> String? {
        e.child(name, in: ns)?.text
    }

    /// A child whose type collapses whitespace (xs:anyURI, enumerations, lists): trimmed, inner runs made one space.
    private func token(_ e: XMLElementNode, _ name: String) -> String? {
        e.child(name, in: ns).map { collapsed($0.text) }
    }

    private func number(_ e: XMLElementNode, _ name: String) throws -> UInt32? {
        guard let text = token(e, name) else { return nil }
        guard let value = UInt32(text) else { throw invalid("<\(name)> \"\(text)\" is not an xs:unsignedInt") }
        return value
    }

    private func boolean(_ e: XMLElementNode, _ name: String) throws -> Bool? {
        switch token(e, name) {
        case nil: return nil
        case "true", "1": return true
        case "false", "0": return false
        case let text?: throw invalid("<\(name)> \"\(text)\" is not an xs:boolean")
        }
    }

    private func value<T: RawRepresentable>(_ e: XMLElementNode, _ name: String, _: T.Type) throws -> T? where T.RawValue == String {
        guard let text = token(e, name) else { return nil }
        guard let value = T(rawValue: text) else { throw invalid("<\(name)> \"\(text)\" is not in the schema") }
        return value
    }

    private func collapsed(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }

    private func invalid(_ reason: String) -> ConferenceInfoError {
        ConferenceInfoError(.invalidDocument, reason)
    }
}
