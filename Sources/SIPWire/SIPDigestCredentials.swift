// RFC 3261 §22.4, §25.1; RFC 2617 §3.2.2; RFC 7616 §3.4; RFC 8760:
//   dig-resp  =  username / realm / nonce / digest-uri / dresponse / algorithm / cnonce / opaque
//                / message-qop / nonce-count / auth-param
//   nonce-count = "nc" EQUAL 8LHEX        message-qop = "qop" EQUAL qop-value

/// Digest credentials from Authorization or Proxy-Authorization. Parsing and formatting only.
public struct SIPDigestCredentials: Sendable, Equatable {
    public var username: String
    public var realm: String
    public var nonce: String
    public var uri: String
    /// The response hash, as sent (hex).
    public var response: String
    public var algorithm: String?
    public var cnonce: String?
    public var opaque: String?
    public var qop: String?
    /// `nc`: 8 hex digits as sent.
    public var nonceCount: String?

    /// Credentials from their parts.
    public init(
        username: String, realm: String, nonce: String, uri: String, response: String, algorithm: String? = nil,
        cnonce: String? = nil, opaque: String? = nil, qop: String? = nil, nonceCount: String? = nil
    ) {
        self.username = username
        self.realm = realm
        self.nonce = nonce
        self.uri = uri
        self.response = response
        self.algorithm = algorithm
        self.cnonce = cnonce
        self.opaque = opaque
        self.qop = qop
        self.nonceCount = nonceCount
    }

    /// Parses a header value starting with `Digest`; nil for other schemes (RFC 4475 regaut01) or when
    /// username, realm, nonce, uri or response is missing, or nc is not 8 hex digits.
    public init?(_ headerValue: String) {
        guard let (scheme, parameters) = SIPAuthParameters.parse(headerValue),
              SIPGrammar.equalsIgnoringCase(scheme, "Digest"),
              let username = SIPAuthParameters.value(parameters, "username"),
              let realm = SIPAuthParameters.value(parameters, "realm"),
              let nonce = SIPAuthParameters.value(parameters, "nonce"),
              let uri = SIPAuthParameters.value(parameters, "uri"),
              let response = SIPAuthParameters.value(parameters, "response") else { return nil }
        let nonceCount = SIPAuthParameters.value(parameters, "nc")
        if let nonceCount, nonceCount.utf8.count != 8 || !nonceCount.utf8.allSatisfy({ SIPGrammar.hexValue($0) != nil }) {
            return nil
        }
        self.init(
            username: username, realm: realm, nonce: nonce, uri: uri, response: response,
            algorithm: SIPAuthParameters.value(parameters, "algorithm"), cnonce: SIPAuthParameters.value(parameters, "cnonce"),
            opaque: SIPAuthParameters.value(parameters, "opaque"), qop: SIPAuthParameters.value(parameters, "qop"),
            nonceCount: nonceCount)
    }

    /// `Digest username="…", realm="…", nonce="…", uri="…", response="…", algorithm=…, cnonce="…", opaque="…", qop=…, nc=…`.
    public var headerValue: String {
        var text = "Digest username=" + SIPGrammar.quoted(username) + ", realm=" + SIPGrammar.quoted(realm)
        text += ", nonce=" + SIPGrammar.quoted(nonce) + ", uri=" + SIPGrammar.quoted(uri)
        text += ", response=" + SIPGrammar.quoted(response)
        if let algorithm, SIPGrammar.isToken(algorithm) { text += ", algorithm=" + algorithm }
        if let cnonce { text += ", cnonce=" + SIPGrammar.quoted(cnonce) }
        if let opaque { text += ", opaque=" + SIPGrammar.quoted(opaque) }
        if let qop, SIPGrammar.isToken(qop) { text += ", qop=" + qop }
        if let nonceCount, SIPGrammar.isToken(nonceCount) { text += ", nc=" + nonceCount }
        return text
    }
}
