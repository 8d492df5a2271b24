import Admin
import Focus
import Foundation
import Logging
import SIP
import SIPWire
import Synchronization
import Testing
import TestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The focus, an embedded MCU and the admin API in the test process, the API on a free loopback port; requests go
/// over real HTTP (URLSession). Tenants: acme (alice organizes weekly and townhall, which has a lobby for anonymous
/// callers; bob organizes board) and globex (carol organizes private), each with its admin token, and an operator
/// token.
struct AdminTestBed {
    static let operatorToken = "operator-test-token"
    static let acmeToken = "acme-admin-token"
    static let globexToken = "globex-admin-token"

    let server: InProcessServer
    let admin: Task<Void, any Error>
    let port: Int
    let logs: LogRecorder

    static func tenants() -> FocusConfiguration {
        var focus = FocusConfiguration()
        // sipp 3.6 answers only MD5 challenges; the admin API always offers SHA-256 and MD5.
        focus.digestAlgorithms = [.md5]
        var acme = TenantConfiguration(id: "acme")
        acme.domains = ["acme.test"]
        acme.policy.adHocMeetings = false
        acme.dialOut.allowedNetworks = ["127.0.0.0/8"]  // the dial-out test's callee is sipp on loopback
        acme.adminTokens = [acmeToken]
        acme.users = [
            UserConfiguration(name: "alice", displayName: "Alice A", password: "alice-pw"),
            UserConfiguration(name: "bob", displayName: "Bob B", password: "bob-pw"),
        ]
        var weekly = MeetingConfiguration(id: "weekly")
        weekly.organizer = "alice"
        weekly.subject = "Acme weekly"
        var board = MeetingConfiguration(id: "board")
        board.organizer = "bob"
        // sipp's built-in answerer (the dial-out callee) answers with one m= line: offer audio only.
        board.policy = MeetingPolicyOverrides(videoAllowed: false)
        var townhall = MeetingConfiguration(id: "townhall")
        townhall.organizer = "alice"
        townhall.policy = MeetingPolicyOverrides(lobby: .anonymous)
        acme.meetings = [weekly, board, townhall]
        var globex = TenantConfiguration(id: "globex")
        globex.domains = ["globex.test"]
        globex.policy.adHocMeetings = false
        globex.adminTokens = [globexToken]
        globex.users = [UserConfiguration(name: "carol", password: "carol-pw")]
        var secret = MeetingConfiguration(id: "private")
        secret.organizer = "carol"
        globex.meetings = [secret]
        focus.tenants = [acme, globex]
        return focus
    }

    static func start(metricsPublic: Bool = false) async throws -> AdminTestBed {
        let settings = tenants()
        let server = try await InProcessServer.start(focus: settings, graceSeconds: 0)
        let logs = LogRecorder()
        var configuration = AdminConfiguration()
        configuration.port = 0
        configuration.operatorTokens = [operatorToken]
        configuration.metricsPublic = metricsPublic
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let adminServer = AdminServer(
            configuration: configuration, focus: server.focus, tenants: settings.effectiveTenants,
            logger: Logger(label: "admin-test", factory: { _ in logs }), onListening: { continuation.yield($0) })
        let task = Task { try await adminServer.run() }
        let port = try await withDeadline(seconds: 10, "the admin server did not start listening") {
            var iterator = ports.makeAsyncIterator()
            return await iterator.next() ?? 0
        }
        return AdminTestBed(server: server, admin: task, port: port, logs: logs)
    }

    func stop() async {
        admin.cancel()
        _ = await admin.result
        await server.stop()
    }

    // MARK: - HTTP

    /// One request; `token` goes as `Authorization: Bearer`, `authorization` as given.
    func request(
        _ method: String, _ path: String, token: String? = nil, authorization: String? = nil, body: String? = nil
    ) async throws -> AdminHTTPResult {
        try await AdminHTTP.request(method, "http://127.0.0.1:\(port)\(path)", token: token, authorization: authorization, body: body)
    }

    /// A request answered by a digest challenge first, then sent again with credentials for the offered `algorithm`.
    func digestRequest(
        _ method: String, _ path: String, user: String, password: String, algorithm: DigestAlgorithm = .sha256, body: String? = nil
    ) async throws -> AdminHTTPResult {
        let first = try await request(method, path, body: body)
        guard first.status == 401 else { return first }
        let challenge = try #require(
            first.challenges.compactMap(SIPDigestChallenge.init).first { $0.algorithm == algorithm.rawValue },
            "a \(algorithm.rawValue) challenge in \(first.challenges)")
        let credentials = SIPCredentials(username: user, password: password)
        let authorization = try #require(credentials.authorization(for: challenge, method: SIPMethod(method), uri: path))
        return try await request(method, path, authorization: authorization, body: body)
    }
}

/// What an HTTP request got back.
struct AdminHTTPResult: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    /// The body as a JSON object (empty when it is not one).
    var object: [String: any Sendable] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: any Sendable]) ?? [:] }
    /// The body as a JSON array of objects (empty when it is not one).
    var array: [[String: any Sendable]] { ((try? JSONSerialization.jsonObject(with: body)) as? [[String: any Sendable]]) ?? [] }
    /// The `error` of a JSON error body.
    var error: String? { object["error"] as? String }

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    /// The `WWW-Authenticate` challenges (URLSession joins repeated headers with ", ": split them again at each scheme).
    var challenges: [String] {
        guard let joined = header("WWW-Authenticate") else { return [] }
        var parts: [String] = []
        var rest = Substring(joined)
        while !rest.isEmpty {
            let next = [", Digest ", ", Bearer "].compactMap { rest.range(of: $0)?.lowerBound }.min()
            if let next {
                parts.append(String(rest[..<next]))
                rest = rest[rest.index(next, offsetBy: 2)...]
            } else {
                parts.append(String(rest))
                rest = ""
            }
        }
        return parts
    }
}

/// Plain HTTP on loopback with URLSession (FoundationNetworking on Linux).
enum AdminHTTP {
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        configuration.urlCache = nil
        return URLSession(configuration: configuration)
    }()

    static func request(
        _ method: String, _ url: String, token: String? = nil, authorization: String? = nil, body: String? = nil
    ) async throws -> AdminHTTPResult {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            headers["\(key)"] = "\(value)"
        }
        return AdminHTTPResult(status: http.statusCode, headers: headers, body: data)
    }
}

/// Runs `body`, failing with `message` after `seconds`.
func withDeadline<T: Sendable>(seconds: Double, _ message: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw ConferenceTimeout(description: message) }
        return value
    }
}

/// Keeps every log record, so tests can check what was logged and at which level.
final class LogRecorder: LogHandler, Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let records = Mutex<[Record]>([])
    private let state = Mutex<(Logger.Metadata, Logger.Level)>(([:], .trace))

    var all: [Record] { records.withLock { $0 } }

    func log(event: LogEvent) {
        var merged = metadata
        for (k, v) in event.metadata ?? [:] { merged[k] = v }
        let record = Record(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" })
        records.withLock { $0.append(record) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { state.withLock { $0.0[key] } }
        set { state.withLock { $0.0[key] = newValue } }
    }

    var metadata: Logger.Metadata {
        get { state.withLock { $0.0 } }
        set { state.withLock { $0.0 = newValue } }
    }

    var logLevel: Logger.Level {
        get { state.withLock { $0.1 } }
        set { state.withLock { $0.1 = newValue } }
    }
}

/// Waits for a launched program to exit without blocking a thread of the task pool (the admin server and the focus
/// run on it in this process: a blocked thread would starve them), then stops it if it has not; status and output.
func waitForExit(_ launched: (Process, URL), timeout: Double) async -> (status: Int32, output: String) {
    let deadline = Date().addingTimeInterval(timeout)
    while launched.0.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
    let result = stopProgram(launched, grace: 2)
    return (result.status, result.output)
}

/// Runs a program to completion (bounded by `timeout`) without blocking a thread of the task pool.
func runAsync(_ executable: String, _ arguments: [String], timeout: Double) async throws -> (status: Int32, output: String) {
    await waitForExit(try launchProgram(executable, arguments), timeout: timeout)
}
