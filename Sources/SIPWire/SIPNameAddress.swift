// RFC 3261 §20.10, §25.1 (From, To, Contact, Route, Record-Route; Refer-To RFC 3515, Referred-By RFC 3892):
//   ( name-addr / addr-spec ) *( SEMI generic-param )
//   name-addr      =  [ display-name ] LAQUOT addr-spec RAQUOT
//   display-name   =  *(token LWS)/ quoted-string
// §20: "if the URI contains a comma, question mark or semicolon, the URI MUST be enclosed in angle
// brackets"; without them, parameters after the addr-spec belong to the header, not to the URI.

/// A display name, URI and header parameters: the value of From, To, Contact, Route, Record-Route,
/// Refer-To and Referred-By.
public struct SIPNameAddress: Sendable, Hashable, CustomStringConvertible {
    /// The display name, unquoted with quoted-pairs resolved; nil when absent or empty.
    public var displayName: String?
    public var uri: SIPURI
    /// Header parameters (after `>` or after a bare addr-spec), values as written.
    public var parameters: [SIPParameter]

    /// A name-addr from its parts.
    public init(displayName: String? = nil, uri: SIPURI, parameters: [SIPParameter] = []) {
        self.displayName = displayName
        self.uri = uri
        self.parameters = parameters
    }

    /// Parses a header value; nil when malformed or when the URI scheme is not sip, sips or tel.
    public init?(_ text: String) {
        guard let parts = SIPNameAddressParts(text), let uri = SIPURI(parts.uri) else { return nil }
        self.init(displayName: parts.displayName, uri: uri, parameters: parts.parameters)
    }

    /// The `tag` parameter (RFC 3261 §19.3); setting nil removes it.
    public var tag: String? {
        get {
            guard case .some(.some(let value)) = parameter("tag") else { return nil }
            return value
        }
        set { parameters.assign("tag", newValue.map { .some($0) }) }
    }

    /// `.some(nil)` for a flag parameter, `.some(value)` for a valued one, nil when absent.
    public func parameter(_ name: String) -> String?? { parameters.lookup(name) }

    /// `"Display Name" <uri>;params`, always with angle brackets.
    public var description: String {
        var text = ""
        if let displayName, !displayName.isEmpty { text = SIPGrammar.quoted(displayName) + " " }
        return text + "<" + uri.description + ">" + parameters.headerParameterText
    }
}

/// The scheme-independent split of a name-addr / addr-spec value: enough to check its syntax even when
/// the URI scheme is one SIPURI does not hold (RFC 4475 unksm2).
struct SIPNameAddressParts {
    var displayName: String?
    var uri: String
    var parameters: [SIPParameter]

    init?(_ text: String) {
        var scanner = ByteScanner(text)
        scanner.skipWhitespace()
        let bytes = scanner.bytes
        if scanner.peek == UInt8(ascii: "\"") {
            guard let name = scanner.quotedString() else { return nil }
            displayName = name.isEmpty ? nil : name
            scanner.skipWhitespace()
            guard scanner.peek == UInt8(ascii: "<") else { return nil }
        } else if let angle = SIPNameAddressParts.topLevelAngle(bytes, from: scanner.index) {
            // display-name = *(token LWS): tokens separated by white space, nothing else.
            let words = bytes[scanner.index..<angle].split(whereSeparator: SIPGrammar.isWhitespace)
            guard words.allSatisfy({ $0.allSatisfy(SIPGrammar.isTokenCharacter) }) else { return nil }
            displayName = words.isEmpty ? nil : words.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
            scanner.index = angle
        } else {
            displayName = nil
        }
        if scanner.consume(UInt8(ascii: "<")) {
            guard let close = bytes[scanner.index...].firstIndex(of: UInt8(ascii: ">")) else { return nil }
            uri = scanner.string(scanner.index..<close)
            scanner.index = close + 1
        } else {
            let start = scanner.index
            let end = bytes[start...].firstIndex(where: { $0 == UInt8(ascii: ";") || SIPGrammar.isWhitespace($0) })
                ?? bytes.count
            let addrSpec = bytes[start..<end]
            guard !addrSpec.contains(UInt8(ascii: "?")), !addrSpec.contains(UInt8(ascii: ",")) else { return nil }
            uri = scanner.string(start..<end)
            scanner.index = end
        }
        guard SIPURIParser.isAbsoluteURI(uri), let parameters = SIPHeaderParameters.parse(&scanner) else {
            return nil
        }
        self.parameters = parameters
    }

    /// The first `<` outside a quoted string, if any.
    private static func topLevelAngle(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "<") { return index }
            if bytes[index] == UInt8(ascii: ";") { return nil }
            index += 1
        }
        return nil
    }
}
