// RFC 3261 §25.1:
//   generic-param  =  token [ EQUAL gen-value ]
//   gen-value      =  token / host / quoted-string
//   SEMI = SWS ";" SWS        EQUAL = SWS "=" SWS

/// A `;name=value` parameter. For URI parameters both parts are unescaped; for header parameters (after a
/// name-addr or Via) the value is kept as written, quotes included, so it serialises back unchanged.
public struct SIPParameter: Sendable, Hashable {
    /// The parameter name (compared case-insensitively by the lookup helpers).
    public var name: String
    /// The value; nil for a flag parameter such as `;lr`.
    public var value: String?

    /// A parameter; `value` nil for a flag.
    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }
}

extension [SIPParameter] {
    /// `.some(nil)` for a flag, `.some(value)` for a valued parameter, nil when absent; names case-insensitive.
    func lookup(_ name: String) -> String?? {
        guard let parameter = first(where: { SIPGrammar.equalsIgnoringCase($0.name, name) }) else { return nil }
        return .some(parameter.value)
    }

    mutating func assign(_ name: String, _ value: String??) {
        let index = firstIndex { SIPGrammar.equalsIgnoringCase($0.name, name) }
        switch (value, index) {
        case (.none, let index?):
            remove(at: index)
        case (.none, nil):
            break
        case (.some(let value), let index?):
            self[index].value = value
        case (.some(let value), nil):
            append(SIPParameter(name: name, value: value))
        }
    }

    /// `;name[=value]` for each parameter, in order.
    var headerParameterText: String {
        var text = ""
        for parameter in self {
            text += ";" + parameter.name
            if let value = parameter.value { text += "=" + value }
        }
        return text
    }
}

enum SIPHeaderParameters {
    /// Whether `byte` may appear in an unquoted gen-value (token or host, IPv6 included).
    static func isValueCharacter(_ byte: UInt8) -> Bool {
        SIPGrammar.isTokenCharacter(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "[")
            || byte == UInt8(ascii: "]")
    }

    /// Reads `*( SEMI generic-param )` up to the end of the scanner's bytes; nil on any other text.
    static func parse(_ scanner: inout ByteScanner) -> [SIPParameter]? {
        var parameters: [SIPParameter] = []
        while true {
            scanner.skipWhitespace()
            if scanner.isAtEnd { return parameters }
            guard scanner.consume(UInt8(ascii: ";"), spaced: true), let name = scanner.token() else { return nil }
            var value: String?
            if scanner.consume(UInt8(ascii: "="), spaced: true) {
                if scanner.peek == UInt8(ascii: "\"") {
                    guard let quoted = scanner.rawQuotedString() else { return nil }
                    value = quoted
                } else {
                    let raw = scanner.scan(while: isValueCharacter)
                    guard !raw.isEmpty else { return nil }
                    value = String(decoding: raw, as: UTF8.self)
                }
            }
            parameters.append(SIPParameter(name: name, value: value))
        }
    }
}
