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

    private struct NonceState {
        var issued: UInt64
        var highestCount: UInt32
    }

    private let lookup: CredentialLookup
    private let lifetimeNanoseconds: UInt64
    private let algorithms: [DigestAlgorithm]
    private let nonces = Mutex<[String: NonceState]>([:])

    /// `lifetimeSeconds`: how long a nonce may be used. `algorithms`: offered in this order (SHA-256 first, RFC 8760 §2.4).
    public init(lifetimeSeconds: Int = 300, algorithms: [DigestAlgorithm] = [.sha256, .md5], lookup: @escaping CredentialLookup) {
        self.lookup = lookup
        self.lifetimeNanoseconds = UInt64(max(1, lifetimeSeconds)) * 1_000_000_000
        self.algorithms = algorithms
    }

    /// WWW-Authenticate (or Proxy-Authenticate) values, one per algorithm, sharing a fresh nonce.
    public func challenges(realm: String, stale: Bool = false) -> [String] {
        let nonce = SIPIdentifiers.hex(16)
        let now = Self.now()
        nonces.withLock { table in
            if table.count > 50_000 { table = table.filter { now &- $0.value.issued < lifetimeNanoseconds } }
            table[nonce] = NonceState(issued: now, highestCount: 0)
        }
        return algorithms.map { algorithm in
            var value = "Digest realm=\"\(realm)\", nonce=\"\(nonce)\", algorithm=\(algorithm.rawValue), qop=\"auth\""
            if stale { value += ", stale=true" }
            return value
        }
    }

    /// Checks the Authorization header(s) of `request` for `realm`.
    public func verify(_ request: SIPRequest, realm: String, proxy: Bool = false) -> Outcome {
        let header = proxy ? "Proxy-Authorization" : "Authorization"
        return verify(authorizations: request.headers.values(header), method: request.method.rawValue, realm: realm)
    }

    /// Checks credentials given as `Authorization` header values (other schemes are ignored) for a request with
    /// `method` — a SIP method, or an HTTP one (RFC 7616 has the same digest rules). When `requestURI` is given, the
    /// credentials must name it (RFC 7616 §3.4.6), so they cannot be replayed against another resource.
    public func verify(authorizations: [String], method: String, realm: String, requestURI: String? = nil) -> Outcome {
        let offered = authorizations.compactMap(SIPDigestCredentials.init)
        guard let credentials = offered.first(where: { $0.realm == realm }) else { return .challenge(stale: false) }
        if let requestURI, credentials.uri != requestURI {
            return .rejected("the digest uri \(credentials.uri) is not the request's \(requestURI)")
        }
        guard let algorithm = DigestAlgorithm(headerValue: credentials.algorithm) else {
            return .rejected("unsupported digest algorithm \(credentials.algorithm ?? "")")
        }
        let now = Self.now()
        guard let state = nonces.withLock({ $0[credentials.nonce] }) else { return .challenge(stale: true) }
        if now &- state.issued >= lifetimeNanoseconds {
            _ = nonces.withLock { $0.removeValue(forKey: credentials.nonce) }
            return .challenge(stale: true)
        }
        guard let ha1 = lookup(realm, credentials.username, algorithm) else { return .rejected("unknown user or wrong password") }
        if let qop = credentials.qop {
            guard qop.lowercased() == "auth", let nc = credentials.nonceCount, let count = UInt32(nc, radix: 16),
                let cnonce = credentials.cnonce
            else { return .rejected("qop=auth needs nc and cnonce") }
            let expected = algorithm.response(
                ha1: ha1, nonce: credentials.nonce, method: method, uri: credentials.uri, qop: "auth",
                nonceCount: nc, cnonce: cnonce)
            guard expected == credentials.response.lowercased() else { return .rejected("unknown user or wrong password") }
            // RFC 7616 §3.4.5: each request with a nonce must raise the count; anything else is a replay.
            let fresh = nonces.withLock { table -> Bool in
                guard var s = table[credentials.nonce], count > s.highestCount else { return false }
                s.highestCount = count
                table[credentials.nonce] = s
                return true
            }
            return fresh ? .authenticated(username: credentials.username) : .rejected("replayed nonce count")
        }
        let expected = algorithm.response(
            ha1: ha1, nonce: credentials.nonce, method: method, uri: credentials.uri, qop: nil,
            nonceCount: nil, cnonce: nil)
        guard expected == credentials.response.lowercased() else { return .rejected("unknown user or wrong password") }
        // Without qop there is no count: a nonce is good for one request.
        let first = nonces.withLock { $0.removeValue(forKey: credentials.nonce) != nil }
        return first ? .authenticated(username: credentials.username) : .rejected("replayed nonce")
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
