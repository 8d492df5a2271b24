import Focus
import FocusPostgres
import Testing

@Suite("focus.database: a path or a postgres:// URL")
struct LocationTests {
    @Test("a file path selects SQLite")
    func pathIsSQLite() throws {
        #expect(try FocusDatabase(setting: "consort.sqlite") == .sqlite(path: "consort.sqlite"))
        #expect(try FocusDatabase(setting: "/var/lib/consort/focus.sqlite") == .sqlite(path: "/var/lib/consort/focus.sqlite"))
    }

    @Test("a full URL: user, password, host, port, database, sslmode")
    func fullURL() throws {
        let database = try FocusDatabase(setting: "postgres://consort:s3cret@db.example:6543/focus?sslmode=require&connect_timeout=3")
        #expect(
            database
                == .postgres(
                    PostgresLocation(
                        host: "db.example", port: 6543, user: "consort", password: "s3cret", database: "focus", tls: .require,
                        connectTimeoutSeconds: 3)))
        #expect(database.description == "postgres://consort@db.example:6543/focus")
    }

    @Test("postgresql:// too; the port defaults to 5432, the password may be left out, TLS is preferred")
    func defaults() throws {
        let location = try PostgresLocation(url: "postgresql://consort@127.0.0.1/focus")
        #expect(location == PostgresLocation(host: "127.0.0.1", user: "consort", password: nil, database: "focus"))
        #expect(location.port == 5432 && location.tls == .prefer)
    }

    @Test("percent-escapes are decoded; an unescaped @ in the password still parses; IPv6 in brackets")
    func escapes() throws {
        let location = try PostgresLocation(url: "postgres://con%2Fsort:p@ss%3Aw%25rd@[::1]:5433/my%20db")
        #expect(location.user == "con/sort" && location.password == "p@ss:w%rd" && location.database == "my db")
        #expect(location.host == "::1" && location.port == 5433)
        #expect(location.server == "[::1]:5433")
        #expect(!location.description.contains("p@ss"))
    }

    @Test(
        "a bad URL says what is wrong and never repeats the password",
        arguments: [
            ("postgres://consort:hunter2@db.example:99999/focus", "port"),
            ("postgres://consort:hunter2@db.example:5432", "names no database"),
            ("postgres://db.example:5432/focus", "names no user"),
            ("postgres://consort:hunter2@:5432/focus", "names no host"),
            ("postgres://consort:hunter2@db.example/focus?sslmode=sometimes", "sslmode"),
            ("postgres://consort:hunter2@db.example/focus?password=x", "unknown parameter password"),
            ("postgres://consort:hunter2%zz@db.example/focus", "%-escape"),
        ])
    func badURL(_ url: String, _ problem: String) {
        let error = #expect(throws: FocusStoreError.self) { try FocusDatabase(setting: url) }
        #expect(error?.reason.contains(problem) == true, "\(error?.reason ?? "")")
        #expect(error?.reason.contains("hunter2") == false)
    }

    @Test("another scheme is refused rather than taken for a file name")
    func otherScheme() {
        let error = #expect(throws: FocusStoreError.self) { try FocusDatabase(setting: "mysql://consort:hunter2@db/focus") }
        #expect(error?.reason == "focus.database: mysql:// is not supported; give a file path (SQLite) or a postgres:// URL (PostgreSQL)")
        #expect(throws: FocusStoreError.self) { try FocusDatabase(setting: "") }
    }
}
