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

    /// Runs `consort serve` on that configuration for the time of `body`, then stops it (SIGTERM, or waits for it to
    /// exit by itself with `waitForExit`) and deletes the file; returns its status and output.
    func serve(
        database: String, port: Int = freePort(), waitForExit: Bool = false, _ body: ((Process, URL)) async throws -> Void = { _ in }
    ) async throws -> (status: Int32, output: String) {
        let config = try configuration(database: database)
        defer { try? FileManager.default.removeItem(at: config) }
        let launched = try launchProgram(
            consortBinary,
            ["serve", "--config", config.path, "--sip-address", "127.0.0.1", "--sip-port", "\(port)", "--rtp-ports",
             "\(port + 10)-\(port + 200)", "--admin-port", "0", "--log-level", "info"])
        if waitForExit { return waitForProgram(launched, timeout: 30) }
        do {
            try await body(launched)
        } catch {
            _ = stopProgram(launched)
            throw error
        }
        let stopped = stopProgram(launched)
        return (stopped.status, stopped.output)
    }

    @Test("a postgres:// URL: serve migrates the database, loads the tenants from it, accepts calls, and stops on SIGTERM")
    func servesOnPostgres() async throws {
        let server = try #require(TemporaryPostgres.current)
        let database = try server.createDatabase()
        let stopped = try await serve(database: server.url(database: database)) { launched in
            for _ in 0..<600 {
                let log = (try? String(contentsOf: launched.1, encoding: .utf8)) ?? ""
                if log.contains("accepting calls") || !launched.0.isRunning { break }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(stopped.status == 0, "\(stopped.output.suffix(1500))")
        #expect(stopped.output.contains("accepting calls"))
        #expect(stopped.output.contains("database=postgres://consort@127.0.0.1:\(server.port)/\(database)"), "\(stopped.output.suffix(1500))")
        #expect(!stopped.output.contains(server.password))
        // The tenants of the shipped configuration are in PostgreSQL now.
        try server.execute("DO $$ BEGIN IF (SELECT count(*) FROM tenants) = 0 THEN RAISE 'no tenants'; END IF; END $$", database: database)
    }

    @Test("an unreachable server: serve exits non-zero at once, naming host and port, never the password")
    func unreachable() async throws {
        let dead = freePort()
        let result = try await serve(database: "postgres://consort:hunter2@127.0.0.1:\(dead)/focus?sslmode=disable", waitForExit: true)
        #expect(result.status != 0)
        #expect(result.output.contains("cannot connect to PostgreSQL at 127.0.0.1:\(dead)"), "\(result.output.suffix(800))")
        #expect(!result.output.contains("hunter2"))
        #expect(!result.output.contains("SIP listening"))
    }

    @Test("a malformed URL: serve exits non-zero saying what is wrong, never the password")
    func malformed() async throws {
        let result = try await serve(database: "postgres://consort:hunter2@127.0.0.1:99999/focus", waitForExit: true)
        #expect(result.status != 0)
        #expect(result.output.contains("the port must be a number from 1 to 65535"), "\(result.output.suffix(800))")
        #expect(!result.output.contains("hunter2"))
    }
}
