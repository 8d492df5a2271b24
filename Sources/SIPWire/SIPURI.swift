// RFC 3261 §19.1, §25.1 (and RFC 3966 for tel):
//   SIP-URI        =  "sip:" [ userinfo ] hostport uri-parameters [ headers ]
//   SIPS-URI       =  "sips:" [ userinfo ] hostport uri-parameters [ headers ]
//   userinfo       =  ( user / telephone-subscriber ) [ ":" password ] "@"
//   user           =  1*( unreserved / escaped / user-unreserved )   user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
//   password       =  *( unreserved / escaped / "&" / "=" / "+" / "$" / "," )
//   hostport       =  host [ ":" port ]          host = hostname / IPv4address / IPv6reference
//   uri-parameters =  *( ";" uri-parameter)      uri-parameter = pname [ "=" pvalue ], 1*paramchar each
//   paramchar      =  param-unreserved / unreserved / escaped   param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$"
//   headers        =  "?" header *( "&" header )  header = hname "=" hvalue
//   hname = 1*( hnv-unreserved / unreserved / escaped )  hvalue = *( hnv-unreserved / unreserved / escaped )
//   hnv-unreserved =  "[" / "]" / "/" / "?" / ":" / "+" / "$"

/// The URI schemes a SIPURI can hold. Other schemes are syntax the parser recognises only to answer 416.
public enum SIPURIScheme: String, Sendable, Hashable {
    case sip, sips, tel
}

/// A sip:, sips: or tel: URI. User, password, parameter and header parts are held unescaped (%HH decoded once)
/// and escaped again by `description`.
public struct SIPURI: Sendable, Hashable, CustomStringConvertible {
    public var scheme: SIPURIScheme
    /// The user part, unescaped; for tel: the number.
    public var user: String?
    /// The password after `user:`, unescaped (empty when written as `user:@`).
    public var password: String?
    /// The host, lower-cased; IPv6 references keep their brackets (`[::1]`). Empty for tel:.
    public var host: String
    public var port: Int?
    /// URI parameters in order, names and values unescaped.
    public var parameters: [SIPParameter]
    /// URI headers (`?a=b&c=d`) in order, unescaped; each has a value (possibly empty).
    public var headers: [SIPParameter]

    /// A URI from its parts.
    public init(
        scheme: SIPURIScheme = .sip, user: String? = nil, host: String, port: Int? = nil,
        parameters: [SIPParameter] = []
    ) {
        self.scheme = scheme
        self.user = user
        self.password = nil
        self.host = host
        self.port = port
        self.parameters = parameters
        self.headers = []
    }

    /// Parses a URI; nil when malformed (white space anywhere, a bad escape, a bad host or port) or when the
    /// scheme is not sip, sips or tel.
    public init?(_ text: String) {
        guard let uri = SIPURIParser.parse(Array(text.utf8)) else { return nil }
        self = uri
    }

    /// `.some(nil)` for a flag parameter such as `;lr`, `.some(value)` for a valued one, nil when absent.
    public func parameter(_ name: String) -> String?? { parameters.lookup(name) }

    /// The `transport` parameter, lower-cased.
    public var transportParameter: String? {
        guard case .some(.some(let value)) = parameter("transport") else { return nil }
        return SIPGrammar.asciiLowercased(value)
    }

    /// The URI as written on the wire, escaping what each part's grammar does not allow.
    public var description: String {
        var text = scheme.rawValue + ":"
        if scheme == .tel {
            text += SIPGrammar.percentEncoded(user ?? "", allowed: SIPURIParser.isParamCharacter)
        } else {
            if let user, !user.isEmpty {
                text += SIPGrammar.percentEncoded(user, allowed: SIPURIParser.isUserCharacter)
                if let password {
                    text += ":" + SIPGrammar.percentEncoded(password, allowed: SIPURIParser.isPasswordCharacter)
                }
                text += "@"
            }
            if host.utf8.contains(UInt8(ascii: ":")) && !host.hasPrefix("[") {
                text += "[" + host + "]"
            } else {
                text += host
            }
            if let port { text += ":" + String(port) }
        }
        for parameter in parameters {
            text += ";" + SIPGrammar.percentEncoded(parameter.name, allowed: SIPURIParser.isParamCharacter)
            if let value = parameter.value {
                text += "=" + SIPGrammar.percentEncoded(value, allowed: SIPURIParser.isParamCharacter)
            }
        }
        for (index, header) in headers.enumerated() {
            text += index == 0 ? "?" : "&"
            text += SIPGrammar.percentEncoded(header.name, allowed: SIPURIParser.isHeaderCharacter) + "="
            text += SIPGrammar.percentEncoded(header.value ?? "", allowed: SIPURIParser.isHeaderCharacter)
        }
        return text
    }
}
