// RFC 3261 §25.1, RFC 7616 §3.3-3.4 (RFC 8760 algorithms):
//   challenge    =  ("Digest" LWS digest-cln *(COMMA digest-cln)) / other-challenge
//   auth-param   =  auth-param-name EQUAL ( token / quoted-string )

/// Splits `Scheme name=value, name="value", ...` into the scheme and unquoted parameters.
enum SIPAuthParameters {
    static func parse(_ text: String) -> (scheme: String, parameters: [SIPParameter])? {
        var scanner = ByteScanner(text)
        scanner.skipWhitespace()
        guard let scheme = scanner.token() else { return nil }
        let beforeSpace = scanner.index
        scanner.skipWhitespace()
        guard scanner.index > beforeSpace || scanner.isAtEnd else { return nil }
        var parameters: [SIPParameter] = []
        while !scanner.isAtEnd {
            if !parameters.isEmpty {
                guard scanner.consume(UInt8(ascii: ","), spaced: true) else { return nil }
            }
            guard let name = scanner.token(), scanner.consume(UInt8(ascii: "="), spaced: true) else { return nil }
            let value: String
            if scanner.peek == UInt8(ascii: "\"") {
                guard let quoted = scanner.quotedString() else { return nil }
                value = quoted
            } else {
                guard let token = scanner.token() else { return nil }
                value = token
            }
            parameters.append(SIPParameter(name: name, value: value))
            scanner.skipWhitespace()
        }
        return (scheme, parameters)
    }

    static func value(_ parameters: [SIPParameter], _ name: String) -> String? {
        guard case .some(.some(let value)) = parameters.lookup(name) else { return nil }
        return value
    }
}
