public import Focus

/// A PostgreSQL server and database, from a `postgres://` (or `postgresql://`) URL as libpq writes them:
///
///     postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=MODE&connect_timeout=SECONDS
///
/// The port defaults to 5432; the password may be left out (trust or peer authentication); characters such as `@`,
/// `:` or `/` in the user, password or database are percent-encoded (`%40`). `sslmode` is `disable`, `prefer` (the
/// default: TLS when the server offers it, its certificate not checked, as libpq does), `require` (TLS or nothing,
/// certificate not checked) or `verify-full` (TLS with the certificate checked against the system's roots and the host).
///
/// The password is never part of ``description``, nor of any error this type or the stores raise.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable {
        case disable
        case prefer
        case require
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// How long connecting may take before it fails (`connect_timeout`, seconds).
    public var connectTimeoutSeconds: Int

    public init(
        host: String, port: Int = 5432, user: String, password: String?, database: String, tls: TLSMode = .prefer,
        connectTimeoutSeconds: Int = 10
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    /// The URL without the password: what logs and errors name.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(shownHost):\(port)/\(database)"
    }

    /// `host:port`, as errors about reaching the server name it.
    public var server: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether `text` is meant as a PostgreSQL URL (its scheme is `postgres` or `postgresql`, any case).
    public static func isPostgresURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// Parses a `postgres://` URL.
    ///
    /// - Throws: ``FocusStoreError`` saying what is wrong, without repeating the URL (it may hold the password).
    public init(url text: String) throws(FocusStoreError) {
        func bad(_ problem: String) -> FocusStoreError {
            FocusStoreError("focus.database is not a valid PostgreSQL URL (postgres://user:password@host:port/database): \(problem)")
        }
        guard Self.isPostgresURL(text), let schemeEnd = text.range(of: "://") else { throw bad("it must start with postgres://") }
        var rest = Substring(text[schemeEnd.upperBound...])
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let slash = rest.firstIndex(of: "/") else { throw bad("it names no database (…/database at the end)") }
        let authority = rest[..<slash]
        guard let database = Self.decode(rest[rest.index(after: slash)...]), !database.isEmpty, !database.contains("/") else {
            throw bad("it names no database (…/database at the end)")
        }
        // The last @ ends the user information, so an unencoded @ in a password still parses.
        guard let at = authority.lastIndex(of: "@") else { throw bad("it names no user (user@host)") }
        let userInfo = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]
        let user: String?
        let password: String?
        if let colon = userInfo.firstIndex(of: ":") {
            user = Self.decode(userInfo[..<colon])
            guard let decoded = Self.decode(userInfo[userInfo.index(after: colon)...]) else {
                throw bad("the password has a malformed %-escape")
            }
            password = decoded
        } else {
            user = Self.decode(userInfo)
            password = nil
        }
        guard let user, !user.isEmpty else { throw bad("it names no user (user@host)") }

        let host: Substring
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw bad("an IPv6 address needs its closing ]") }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw bad("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.firstIndex(of: ":") {
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort
        }
        guard !host.isEmpty else { throw bad("it names no host") }
        var port = 5432
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { throw bad("the port must be a number from 1 to 65535") }
            port = value
        }

        var tls = TLSMode.prefer
        var connectTimeout = 10
        for parameter in query.split(separator: "&") where !parameter.isEmpty {
            let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            switch name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw bad("sslmode must be disable, prefer, require or verify-full")
                }
                tls = mode
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else { throw bad("connect_timeout must be a positive number of seconds") }
                connectTimeout = seconds
            default:
                throw bad("unknown parameter \(name) (sslmode and connect_timeout are understood)")
            }
        }
        self.init(
            host: String(host), port: port, user: user, password: password, database: database, tls: tls,
            connectTimeoutSeconds: connectTimeout)
    }

    /// Percent-decoding, as UTF-8; nil for a malformed escape.
    private static func decode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
