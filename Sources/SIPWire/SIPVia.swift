// RFC 3261 §20.42, §25.1; RFC 3581 (rport):
//   via-parm          =  sent-protocol LWS sent-by *( SEMI via-params )
//   sent-protocol     =  protocol-name SLASH protocol-version SLASH transport     SLASH = SWS "/" SWS
//   sent-by           =  host [ COLON port ]                                      COLON = SWS ":" SWS
//   via-params        =  via-ttl / via-maddr / via-received / via-branch / response-port / via-extension
//   response-port     =  "rport" [EQUAL 1*DIGIT]

/// One Via header value (one hop).
public struct SIPVia: Sendable, Hashable, CustomStringConvertible {
    /// The transport, upper-cased: UDP, TCP, TLS, SCTP, WS, WSS or any other token.
    public var transport: String
    /// The sent-by host, lower-cased; IPv6 in brackets.
    public var host: String
    public var port: Int?
    /// Parameters in order, values as written.
    public var parameters: [SIPParameter]

    /// The RFC 3261 magic cookie that starts every branch of a compliant client.
    public static let magicCookie = "z9hG4bK"

    /// A Via for `transport` with `branch`.
    public init(transport: String, host: String, port: Int?, branch: String) {
        self.transport = transport.uppercased()
        self.host = host
        self.port = port
        self.parameters = [SIPParameter(name: "branch", value: branch)]
    }

    /// Parses one Via value (split a multi-value field with `SIPHeaders.values`); nil when malformed,
    /// including a protocol other than SIP/2.0 and an rport or port that is not a port number.
    public init?(_ text: String) {
        var scanner = ByteScanner(text)
        scanner.skipWhitespace()
        guard let name = scanner.token(), SIPGrammar.equalsIgnoringCase(name, "SIP"),
              scanner.consume(UInt8(ascii: "/"), spaced: true), scanner.token() == "2.0",
              scanner.consume(UInt8(ascii: "/"), spaced: true), let transport = scanner.token()
        else { return nil }
        let beforeSpace = scanner.index
        scanner.skipWhitespace()
        guard scanner.index > beforeSpace, let hostEnd = SIPVia.hostEnd(scanner.bytes, from: scanner.index) else {
            return nil
        }
        self.transport = transport.uppercased()
        self.host = SIPGrammar.asciiLowercased(scanner.string(scanner.index..<hostEnd))
        scanner.index = hostEnd
        if scanner.consume(UInt8(ascii: ":"), spaced: true) {
            guard let port = SIPGrammar.decimal(scanner.scan(while: SIPGrammar.isDigit), as: UInt16.self) else {
                return nil
            }
            self.port = Int(port)
        } else {
            self.port = nil
        }
        guard let parameters = SIPHeaderParameters.parse(&scanner) else { return nil }
        self.parameters = parameters
        if case .some(.some(let rport)) = parameters.lookup("rport"), SIPGrammar.decimal(rport, as: UInt16.self) == nil {
            return nil
        }
        if case .some(.none) = parameters.lookup("branch") { return nil }
    }

    private static func hostEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        if bytes[start] == UInt8(ascii: "[") {
            guard let close = bytes[start...].firstIndex(of: UInt8(ascii: "]")), close > start + 2,
                  bytes[(start + 1)..<close].allSatisfy({
                      SIPGrammar.hexValue($0) != nil || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".")
                  })
            else { return nil }
            return close + 1
        }
        var index = start
        while index < bytes.count,
              SIPGrammar.isAlphaNumeric(bytes[index]) || bytes[index] == UInt8(ascii: "-")
                || bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: "_") {
            index += 1
        }
        return index > start ? index : nil
    }

    /// The `branch` parameter (RFC 3261 §8.1.1.7).
    public var branch: String? {
        get { valued("branch") }
        set { parameters.assign("branch", newValue.map { .some($0) }) }
    }

    /// The `received` parameter (RFC 3261 §18.2.1).
    public var received: String? {
        get { valued("received") }
        set { parameters.assign("received", newValue.map { .some($0) }) }
    }

    /// RFC 3581: nil when absent, `.some(nil)` for the bare `rport` flag, `.some(port)` when filled in.
    public var rport: Int?? {
        get {
            switch parameters.lookup("rport") {
            case .none: return nil
            case .some(.none): return .some(nil)
            case .some(.some(let value)): return SIPGrammar.decimal(value, as: UInt16.self).map { .some(Int($0)) } ?? .some(nil)
            }
        }
        set {
            switch newValue {
            case .none: parameters.assign("rport", nil)
            case .some(.none): parameters.assign("rport", .some(nil))
            case .some(.some(let port)): parameters.assign("rport", .some(String(port)))
            }
        }
    }

    /// Whether the branch starts with the RFC 3261 magic cookie and has something after it, so it identifies
    /// the transaction on its own. A branch that is only the cookie (RFC 4475 badbranch) is not unique: false,
    /// and the transaction layer falls back to RFC 2543 matching.
    public var isRFC3261Branch: Bool {
        guard let branch else { return false }
        return branch.hasPrefix(SIPVia.magicCookie) && branch.utf8.count > SIPVia.magicCookie.utf8.count
    }

    private func valued(_ name: String) -> String? {
        guard case .some(.some(let value)) = parameters.lookup(name) else { return nil }
        return value
    }

    /// `SIP/2.0/UDP host:port;params`.
    public var description: String {
        var text = "SIP/2.0/" + transport + " "
        if host.utf8.contains(UInt8(ascii: ":")) && !host.hasPrefix("[") {
            text += "[" + host + "]"
        } else {
            text += host
        }
        if let port { text += ":" + String(port) }
        return text + parameters.headerParameterText
    }
}
