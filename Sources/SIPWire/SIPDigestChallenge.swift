// RFC 3261 §22.4, §25.1; RFC 2617 §3.2.1; RFC 7616 §3.3; RFC 8760 (SHA-256, SHA-512-256 in SIP):
//   digest-cln  =  realm / domain / nonce / opaque / stale / algorithm / qop-options / auth-param
//   qop-options =  "qop" EQUAL LDQUOT qop-value *("," qop-value) RDQUOT
//   stale       =  "stale" EQUAL ( "true" / "false" )

/// A Digest challenge from WWW-Authenticate or Proxy-Authenticate. Parsing and formatting only.
public struct SIPDigestChallenge: Sendable, Equatable {
    public var realm: String
    public var nonce: String
    public var opaque: String?
    /// MD5 when absent; also SHA-256, SHA-512-256 and the -sess variants, as written.
    public var algorithm: String
    /// The offered qop values (`auth`, `auth-int`).
    public var qop: [String]
    public var stale: Bool

    /// A challenge from its parts.
    public init(realm: String, nonce: String, opaque: String? = nil, algorithm: String = "MD5", qop: [String] = ["auth"], stale: Bool = false) {
        self.realm = realm
        self.nonce = nonce
        self.opaque = opaque
        self.algorithm = algorithm
        self.qop = qop
        self.stale = stale
    }

    /// Parses a header value starting with `Digest`; nil for other schemes or without realm and nonce.
    public init?(_ headerValue: String) {
        guard let (scheme, parameters) = SIPAuthParameters.parse(headerValue),
              SIPGrammar.equalsIgnoringCase(scheme, "Digest"),
              let realm = SIPAuthParameters.value(parameters, "realm"),
              let nonce = SIPAuthParameters.value(parameters, "nonce") else { return nil }
        self.realm = realm
        self.nonce = nonce
        opaque = SIPAuthParameters.value(parameters, "opaque")
        algorithm = SIPAuthParameters.value(parameters, "algorithm") ?? "MD5"
        qop = SIPAuthParameters.value(parameters, "qop").map {
            $0.split(separator: ",").map { SIPGrammar.trimmed($0) }.filter { !$0.isEmpty }
        } ?? []
        stale = SIPAuthParameters.value(parameters, "stale").map { SIPGrammar.equalsIgnoringCase($0, "true") } ?? false
    }

    /// `Digest realm="…", nonce="…", opaque="…", algorithm=…, qop="…", stale=true`.
    public var headerValue: String {
        var text = "Digest realm=" + SIPGrammar.quoted(realm) + ", nonce=" + SIPGrammar.quoted(nonce)
        if let opaque { text += ", opaque=" + SIPGrammar.quoted(opaque) }
        text += ", algorithm=" + (SIPGrammar.isToken(algorithm) ? algorithm : "MD5")
        let offered = qop.filter(SIPGrammar.isToken)
        if !offered.isEmpty { text += ", qop=\"" + offered.joined(separator: ",") + "\"" }
        if stale { text += ", stale=true" }
        return text
    }
}
