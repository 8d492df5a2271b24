import Foundation
import SIP
import SIPWire
import Synchronization
import Testing
import TestSupport

@Suite("Digest authentication (RFC 3261 §22, RFC 8760)", .serialized, .timeLimit(.minutes(1)))
struct AuthenticationTests {
    static func authenticator(lifetime: Int = 300) -> DigestAuthenticator {
        DigestAuthenticator(lifetimeSeconds: lifetime) { realm, user, algorithm in
            user == "alice" ? algorithm.ha1(username: user, realm: realm, password: "secret") : nil
        }
    }

    @Test("our UAC answers our UAS's SHA-256 challenge and the call goes through; MD5 too")
    func uacAnswersChallenge() async throws {
        let server = try await TestUserAgent.start()
        let caller = try await TestUserAgent.start()
        let auth = Self.authenticator()
        let users = Mutex<[String]>([])
        await server.agent.setHandler(.invite) { incoming in
            guard let user = await incoming.authenticate(with: auth, realm: "consort.test") else { return }
            users.withLock { $0.append(user) }
            await incoming.respond(200, body: Array(TestUserAgent.answer(to: incoming.request.body).utf8), contentType: "application/sdp")
        }
        let target = try #require(SIPURI("sip:room1@127.0.0.1:\(server.port)"))
        let call = try await caller.agent.invite(
            target, body: Array(TestUserAgent.offer.utf8), credentials: SIPCredentials(username: "alice", password: "secret"))
        #expect(call.response.statusCode == 200)
        #expect(users.withLock { $0 } == ["alice"])
        _ = try await call.dialog.bye()
        await server.stop()
        await caller.stop()
    }

    @Test("a wrong password is refused (403), and no credentials at all keep the 401")
    func wrongPassword() async throws {
        let server = try await TestUserAgent.start()
        let caller = try await TestUserAgent.start()
        let auth = Self.authenticator()
        await server.agent.setHandler(.options) { incoming in
            guard await incoming.authenticate(with: auth, realm: "consort.test") != nil else { return }
            await incoming.respond(200)
        }
        let target = try #require(SIPURI("sip:room1@127.0.0.1:\(server.port)"))
        let wrong = try await caller.agent.request(.options, to: target, credentials: SIPCredentials(username: "alice", password: "nope"))
        #expect(wrong.statusCode == 403)
        let none = try await caller.agent.request(.options, to: target)
        #expect(none.statusCode == 401)
        #expect(none.headers.values("WWW-Authenticate").first?.contains("SHA-256") == true, "SHA-256 offered first (RFC 8760 §2.4)")
        #expect(none.headers.values("WWW-Authenticate").count == 2)
        await server.stop()
        await caller.stop()
    }

    @Test("a replayed nonce count is refused; an expired nonce is challenged again with stale=true")
    func replayAndExpiry() async throws {
        let auth = Self.authenticator(lifetime: 1)
        let challenge = try #require(SIPDigestChallenge(auth.challenges(realm: "r")[0]))
        let credentials = SIPCredentials(username: "alice", password: "secret")
        var request = SIPRequest(method: .invite, uri: try #require(SIPURI("sip:room1@127.0.0.1")))
        let value = try #require(credentials.authorization(for: challenge, method: .invite, uri: "sip:room1@127.0.0.1"))
        request.headers.add("Authorization", value)
        #expect(auth.verify(request, realm: "r") == .authenticated(username: "alice"))
        #expect(auth.verify(request, realm: "r") == .rejected("replayed nonce count"))
        try await Task.sleep(for: .milliseconds(1_100))
        var later = SIPRequest(method: .invite, uri: try #require(SIPURI("sip:room1@127.0.0.1")))
        later.headers.add("Authorization", try #require(credentials.authorization(for: challenge, method: .invite, uri: "sip:room1@127.0.0.1", nonceCount: 2)))
        #expect(auth.verify(later, realm: "r") == .challenge(stale: true))
    }

    @Test("credentials for another realm do not count (a user of tenant A cannot log in to tenant B)")
    func otherRealm() throws {
        let auth = Self.authenticator()
        let challenge = try #require(SIPDigestChallenge(auth.challenges(realm: "a.example")[0]))
        var request = SIPRequest(method: .invite, uri: try #require(SIPURI("sip:room1@127.0.0.1")))
        request.headers.add("Authorization", try #require(SIPCredentials(username: "alice", password: "secret").authorization(for: challenge, method: .invite, uri: "sip:room1@127.0.0.1")))
        #expect(auth.verify(request, realm: "b.example") == .challenge(stale: false))
    }

    @Test("nonces are stateless and bound to their realm: a challenge keeps nothing; an altered or other-realm nonce is not accepted")
    func statelessNonces() throws {
        let auth = Self.authenticator()
        for _ in 0..<1_000 { _ = auth.challenges(realm: "a.example") }
        #expect(auth.replayCacheCount == 0, "challenges keep no state")
        let challenge = try #require(SIPDigestChallenge(auth.challenges(realm: "a.example")[0]))
        let alice = SIPCredentials(username: "alice", password: "secret")
        // The nonce of realm a.example presented in realm b.example (credentials computed for b.example).
        var moved = challenge
        moved.realm = "b.example"
        var request = SIPRequest(method: .invite, uri: try #require(SIPURI("sip:room1@127.0.0.1")))
        request.headers.add("Authorization", try #require(alice.authorization(for: moved, method: .invite, uri: "sip:room1@127.0.0.1")))
        #expect(auth.verify(request, realm: "b.example") == .challenge(stale: false))
        // One hex digit of the MAC changed.
        var forged = challenge
        let last = forged.nonce.removeLast()
        forged.nonce.append(last == "0" ? "1" : "0")
        var tampered = SIPRequest(method: .invite, uri: try #require(SIPURI("sip:room1@127.0.0.1")))
        tampered.headers.add("Authorization", try #require(alice.authorization(for: forged, method: .invite, uri: "sip:room1@127.0.0.1")))
        #expect(auth.verify(tampered, realm: "a.example") == .challenge(stale: false))
        // The genuine one works, once per nonce count; only then does the replay cache hold it.
        var genuine = SIPRequest(method: .invite, uri: try #require(SIPURI("sip:room1@127.0.0.1")))
        genuine.headers.add("Authorization", try #require(alice.authorization(for: challenge, method: .invite, uri: "sip:room1@127.0.0.1")))
        #expect(auth.verify(genuine, realm: "a.example") == .authenticated(username: "alice"))
        #expect(auth.replayCacheCount == 1)
    }

    @Test("credentials are bound to the Request-URI: valid ones for room1 do not open room2")
    func boundToRequestURI() throws {
        let auth = Self.authenticator()
        let challenge = try #require(SIPDigestChallenge(auth.challenges(realm: "r")[0]))
        var request = SIPRequest(method: .invite, uri: try #require(SIPURI("sip:room2@127.0.0.1")))
        request.headers.add("Authorization", try #require(SIPCredentials(username: "alice", password: "secret").authorization(for: challenge, method: .invite, uri: "sip:room1@127.0.0.1")))
        guard case .rejected(let why) = auth.verify(request, realm: "r") else {
            Issue.record("credentials for another Request-URI were accepted")
            return
        }
        #expect(why.contains("digest uri"))
    }

    @Test("an algorithm the server does not offer is refused (MD5 credentials where only SHA-256 is configured)")
    func algorithmNotConfigured() throws {
        let auth = DigestAuthenticator(algorithms: [.sha256]) { realm, user, algorithm in algorithm.ha1(username: user, realm: realm, password: "secret") }
        var challenge = try #require(SIPDigestChallenge(auth.challenges(realm: "r")[0]))
        #expect(challenge.algorithm.uppercased() == "SHA-256")
        challenge.algorithm = "MD5"
        var request = SIPRequest(method: .invite, uri: try #require(SIPURI("sip:room1@127.0.0.1")))
        request.headers.add("Authorization", try #require(SIPCredentials(username: "alice", password: "secret").authorization(for: challenge, method: .invite, uri: "sip:room1@127.0.0.1")))
        #expect(auth.verify(request, realm: "r") == .rejected("digest algorithm MD5 is not allowed here"))
    }

    @Test("known answer: RFC 2617 §3.5's MD5 example response")
    func rfc2617Vector() {
        let ha1 = DigestAlgorithm.md5.ha1(username: "Mufasa", realm: "testrealm@host.com", password: "Circle Of Life")
        let response = DigestAlgorithm.md5.response(
            ha1: ha1, nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", method: "GET", uri: "/dir/index.html", qop: "auth",
            nonceCount: "00000001", cnonce: "0a4f113b")
        #expect(response == "6629fae49393a05397450978507c4ef1")
    }

    @Test("known answer: RFC 7616 §3.9.1's SHA-256 example response")
    func rfc7616Vector() {
        let ha1 = DigestAlgorithm.sha256.ha1(username: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life")
        let response = DigestAlgorithm.sha256.response(
            ha1: ha1, nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", method: "GET", uri: "/dir/index.html",
            qop: "auth", nonceCount: "00000001", cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
        #expect(response == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
    }
}
