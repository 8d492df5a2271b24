public import SIPWire
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Server side of SIP digest authentication (RFC 3261 §22, RFC 7616 / RFC 8760): issues challenges for SHA-256 and
/// MD5 with qop=auth, checks credentials against an HA1 the caller looks up, and refuses expired nonces (stale) and
/// replayed nonce counts. Safe to use from any task.
public final class DigestAuthenticator: Sendable {
    /// Looks up HA1 = H(username:realm:password) for a user in a realm with an algorithm; nil for an unknown user.
    public typealias CredentialLookup = @Sendable (_ realm: String, _ username: String, _ algorithm: DigestAlgorithm) -> String?

    /// What a check concluded.
    public enum Outcome: Sendable, Equatable {
        /// Valid credentials for this user.
        case authenticated(username: String)
        /// No (usable) credentials, or an expired nonce (`stale`): challenge again.
        case challenge(stale: Bool)
        /// Credentials that are wrong, or a replay: the reason says which.
        case rejected(String)
    }

    private let lookup: CredentialLookup
    private let algorithms: [DigestAlgorithm]
    private let nonces: Mutex<DigestNonces>

    /// `lifetimeSeconds`: how long a nonce may be used. `algorithms`: offered in this order (SHA-256 first, RFC 8760 §2.4);
    /// credentials with any other algorithm are refused.
    public init(lifetimeSeconds: Int = 300, algorithms: [DigestAlgorithm] = [.sha256, .md5], lookup: @escaping CredentialLookup) {
        self.lookup = lookup
        self.nonces = Mutex(DigestNonces(lifetimeNanoseconds: UInt64(max(1, lifetimeSeconds)) * 1_000_000_000))
        self.algorithms = algorithms.isEmpty ? [.sha256] : algorithms
    }

    /// Nonces held in the replay cache (only ones that authenticated a request; challenges keep nothing).
    public var replayCacheCount: Int { nonces.withLock { $0.cachedCount } }

    /// WWW-Authenticate (or Proxy-Authenticate) values, one per algorithm, sharing a fresh stateless nonce.
    public func challenges(realm: String, stale: Bool = false) -> [String] {
        let nonce = nonces.withLock { $0.make(realm: realm, now: Self.now()) }
        return algorithms.map { algorithm in
            var value = "Digest realm=\"\(realm)\", nonce=\"\(nonce)\", algorithm=\(algorithm.rawValue), qop=\"auth\""
            if stale { value += ", stale=true" }
            return value
        }
    }

    /// Checks the Authorization header(s) of `request` for `realm`. The credentials must name the request's own
    /// Request-URI, so they cannot be replayed against another meeting.
    public func verify(_ request: SIPRequest, realm: String, proxy: Bool = false) -> Outcome {
        let header = proxy ? "Proxy-Authorization" : "Authorization"
        return verify(
            authorizations: request.headers.values(header), method: request.method.rawValue, realm: realm,
            requestURI: request.uri.description)
    }

    /// Checks credentials given as `Authorization` header values (other schemes are ignored) for a request with
    /// `method` — a SIP method, or an HTTP one (RFC 7616 has the same digest rules). When `requestURI` is given, the
    /// credentials must name it (RFC 7616 §3.4.6), so they cannot be replayed against another resource.
    public func verify(authorizations: [String], method: String, realm: String, requestURI: String? = nil) -> Outcome {
        let offered = authorizations.compactMap(SIPDigestCredentials.init)
        guard let credentials = offered.first(where: { $0.realm == realm }) else { return .challenge(stale: false) }
        if let requestURI, credentials.uri != requestURI, SIPURI(credentials.uri)?.description != requestURI {
            return .rejected("the digest uri \(credentials.uri) is not the request's \(requestURI)")
        }
        guard let algorithm = DigestAlgorithm(headerValue: credentials.algorithm), algorithms.contains(algorithm) else {
            return .rejected("digest algorithm \(credentials.algorithm ?? "MD5") is not allowed here")
        }
        let now = Self.now()
        let issued: UInt64
        switch nonces.withLock({ $0.check(credentials.nonce, realm: realm, now: now) }) {
        case .fresh(let time): issued = time
        case .stale: return .challenge(stale: true)
        case .foreign: return .challenge(stale: false)
        }
        guard let ha1 = lookup(realm, credentials.username, algorithm) else { return .rejected("unknown user or wrong password") }
        var count: UInt32?
        if let qop = credentials.qop {
            guard qop.lowercased() == "auth", let nc = credentials.nonceCount, let n = UInt32(nc, radix: 16),
                let cnonce = credentials.cnonce
            else { return .rejected("qop=auth needs nc and cnonce") }
            let expected = algorithm.response(
                ha1: ha1, nonce: credentials.nonce, method: method, uri: credentials.uri, qop: "auth",
                nonceCount: nc, cnonce: cnonce)
            guard expected == credentials.response.lowercased() else { return .rejected("unknown user or wrong password") }
            count = n
        } else {
            let expected = algorithm.response(
                ha1: ha1, nonce: credentials.nonce, method: method, uri: credentials.uri, qop: nil,
                nonceCount: nil, cnonce: nil)
            guard expected == credentials.response.lowercased() else { return .rejected("unknown user or wrong password") }
        }
        // RFC 7616 §3.4.5: each request with a nonce must raise the count (without qop: one request per nonce).
        let fresh = nonces.withLock { $0.use(credentials.nonce, issued: issued, count: count, now: now) }
        guard fresh else { return .rejected(count == nil ? "replayed nonce" : "replayed nonce count") }
        return .authenticated(username: credentials.username)
    }

    private static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}

/// A user name and password for answering challenges as a client (dial-out, the load generator).
public struct SIPCredentials: Sendable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// The Authorization value answering `challenge` for `method` and `uri`, or nil for an algorithm we lack.
    public func authorization(for challenge: SIPDigestChallenge, method: SIPMethod, uri: String, nonceCount: UInt32 = 1) -> String? {
        guard let algorithm = DigestAlgorithm(headerValue: challenge.algorithm) else { return nil }
        let ha1 = algorithm.ha1(username: username, realm: challenge.realm, password: password)
        let useQop = challenge.qop.contains { $0.lowercased() == "auth" }
        let nc = eightHexDigits(nonceCount)
        let cnonce = SIPIdentifiers.hex(8)
        let response = algorithm.response(
            ha1: ha1, nonce: challenge.nonce, method: method.rawValue, uri: uri, qop: useQop ? "auth" : nil,
            nonceCount: useQop ? nc : nil, cnonce: useQop ? cnonce : nil)
        var value =
            "Digest username=\"\(username)\", realm=\"\(challenge.realm)\", nonce=\"\(challenge.nonce)\", uri=\"\(uri)\", response=\"\(response)\", algorithm=\(algorithm.rawValue)"
        if useQop { value += ", qop=auth, nc=\(nc), cnonce=\"\(cnonce)\"" }
        if let opaque = challenge.opaque { value += ", opaque=\"\(opaque)\"" }
        return value
    }
}

/// A nonce count as eight hex digits (RFC 7616 §3.4).
func eightHexDigits(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
