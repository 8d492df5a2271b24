import Foundation
import Testing
import TestSupport

/// `consort serve` with `focus.database` a `postgres://` URL: it runs on PostgreSQL, and refuses a bad URL or an
/// unreachable server before binding anything, naming the host and port and never the password.
@Suite("consort serve on PostgreSQL", .serialized, .timeLimit(.minutes(2)), .temporaryPostgres)
struct ServeDatabaseTests {
    /// The shipped configuration with `focus.database` set to `database`, in a temporary file beside the prompts' path.
    func configuration(database: String) throws -> URL {
        var text = try String(contentsOf: packageRoot.appendingPathComponent("Config/consort.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "  database: consort.sqlite\n", with: "  database: \"\(database)\"\n")
        text = text.replacingOccurrences(
            of: "  promptDirectory: prompts\n", with: "  promptDirectory: \(packageRoot.appendingPathComponent("Config/prompts").path)\n")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("consort-pg-\(UUID().uuidString).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    func serve(database: String, port: Int) throws -> (Process, URL) {
        let config = try configuration(database: database)
        return try launchProgram(
            consortBinary,
            ["serve", "--config", config.path, "--sip-address", "127.0.0.1", "--sip-port", "\(port)", "--rtp-ports",
             "\(port + 10)-\(port + 200)", "--admin-port", "0", "--log-level", "info"])
    }

    @Test("a postgres:// URL: serve migrates the database, loads the tenants from it, accepts calls, and stops on SIGTERM")
    func servesOnPostgres() async throws {
        let server = try #require(TemporaryPostgres.current)
        let database = try server.createDatabase()
        let port = freePort()
        let launched = try serve(database: server.url(database: database), port: port)
        var log = ""
        for _ in 0..<600 {
            log = (try? String(contentsOf: launched.1, encoding: .utf8)) ?? ""
            if log.contains("accepting calls") || !launched.0.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let stopped = stopProgram(launched)
        #expect(stopped.status == 0, "\(stopped.output.suffix(1500))")
        #expect(stopped.output.contains("accepting calls"))
        #expect(stopped.output.contains("database=postgres://consort@127.0.0.1:\(server.port)/\(database)"), "\(stopped.output.suffix(1500))")
        #expect(!stopped.output.contains(server.password))
        // The tenants of the shipped configuration are in PostgreSQL now.
        try server.execute("DO $$ BEGIN IF (SELECT count(*) FROM tenants) = 0 THEN RAISE 'no tenants'; END IF; END $$", database: database)
    }

    @Test("an unreachable server: serve exits non-zero at once, naming host and port, never the password")
    func unreachable() throws {
        let dead = freePort()
        let launched = try serve(database: "postgres://consort:hunter2@127.0.0.1:\(dead)/focus?sslmode=disable", port: freePort())
        let result = waitForProgram(launched, timeout: 30)
        #expect(result.status != 0)
        #expect(result.output.contains("cannot connect to PostgreSQL at 127.0.0.1:\(dead)"), "\(result.output.suffix(800))")
        #expect(!result.output.contains("hunter2"))
        #expect(!result.output.contains("SIP listening"))
    }

    @Test("a malformed URL: serve exits non-zero saying what is wrong, never the password")
    func malformed() throws {
        let launched = try serve(database: "postgres://consort:hunter2@127.0.0.1:99999/focus", port: freePort())
        let result = waitForProgram(launched, timeout: 30)
        #expect(result.status != 0)
        #expect(result.output.contains("the port must be a number from 1 to 65535"), "\(result.output.suffix(800))")
        #expect(!result.output.contains("hunter2"))
    }
}
