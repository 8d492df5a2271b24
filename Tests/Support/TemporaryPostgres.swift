public import Foundation
public import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL 15 server of the test's own, from Debian's `postgresql` package (`make deps` installs it): `initdb` into
/// a fresh temporary folder, started with `pg_ctl` on a free port of 127.0.0.1 only (its socket in the same folder),
/// stopped and deleted by ``stop()``. Running as root, the server runs as the `postgres` user (`runuser`), since
/// PostgreSQL refuses root. Every step has a time limit.
///
/// The superuser is `consort`, with a random password that TCP connections must give (SCRAM); the socket trusts the
/// local user (how `createdb` makes databases). fsync is off: nothing here must survive a crash.
public final class TemporaryPostgres: Sendable {
    public static let binaries = "/usr/lib/postgresql/15/bin"

    /// The server of the innermost suite marked `.temporaryPostgres`.
    @TaskLocal public static var current: TemporaryPostgres?

    public let folder: String
    public let host = "127.0.0.1"
    public let port: Int
    public let user = "consort"
    public let password: String
    /// `postgres` when the tests run as root.
    let runAs: String?

    private init(folder: String, port: Int, password: String, runAs: String?) {
        self.folder = folder
        self.port = port
        self.password = password
        self.runAs = runAs
    }

    /// Whether Debian's PostgreSQL 15 binaries are installed.
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: "\(binaries)/pg_ctl") }

    /// A `postgres://` URL of `database` on this server (`password` nil: the right one).
    public func url(database: String, password: String? = nil) -> String {
        "postgres://\(user):\(password ?? self.password)@\(host):\(port)/\(database)?sslmode=disable"
    }

    /// Initialises and starts a server; throws, with the tool's output, when a step fails or takes too long.
    public static func start() throws -> TemporaryPostgres {
        guard isInstalled else {
            throw TemporaryPostgresError("PostgreSQL 15 is not installed (\(binaries)/pg_ctl missing): run make deps, or apt-get install postgresql")
        }
        let folder = "/tmp/consort-pg-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let password = UUID().uuidString
        var runAs: String?
        do {
            try Data(password.utf8).write(to: URL(fileURLWithPath: folder + "/password"))
            if getuid() == 0 {
                guard let account = getpwnam("postgres") else {
                    throw TemporaryPostgresError("running as root, and there is no postgres user to run the server as")
                }
                for path in [folder, folder + "/password"] where chown(path, account.pointee.pw_uid, account.pointee.pw_gid) != 0 {
                    throw TemporaryPostgresError("cannot chown \(path) to postgres: \(String(cString: strerror(errno)))")
                }
                runAs = "postgres"
            }
            let server = TemporaryPostgres(folder: folder, port: 0, password: password, runAs: runAs)
            try server.run(
                "initdb",
                ["-D", folder + "/data", "-U", "consort", "--pwfile=\(folder)/password", "--auth-local=trust",
                 "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"],
                timeout: 90)
            // A free port can be taken by someone else before the server binds it: try a few.
            var failure: (any Error)?
            for _ in 0..<3 {
                let started = TemporaryPostgres(folder: folder, port: freePort(), password: password, runAs: runAs)
                do {
                    try started.run(
                        "pg_ctl",
                        ["-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "60", "-o",
                         "-p \(started.port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                            + "-c full_page_writes=off -c max_connections=200", "start"],
                        timeout: 75)
                    return started
                } catch {
                    failure = error
                    started.stopServer()
                }
            }
            throw failure ?? TemporaryPostgresError("pg_ctl start failed")
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
    }

    /// Creates a database with a fresh name and returns the name.
    public func createDatabase() throws -> String {
        let name = "consort_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        try run("createdb", ["-h", folder, "-p", "\(port)", "-U", user, name], timeout: 30)
        return name
    }

    /// Runs SQL as the superuser through the socket (`psql`), for tests that damage a database on purpose.
    public func execute(_ sql: String, database: String) throws {
        try run("psql", ["-h", folder, "-p", "\(port)", "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1", "-qc", sql], timeout: 30)
    }

    /// Stops the server (immediate shutdown) and deletes its folder.
    public func stop() {
        stopServer()
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func stopServer() {
        _ = try? run("pg_ctl", ["-D", folder + "/data", "-m", "immediate", "-w", "-t", "20", "stop"], timeout: 30)
    }

    private func run(_ program: String, _ arguments: [String], timeout: TimeInterval) throws {
        let executable = "\(Self.binaries)/\(program)"
        // The programs run in the folder: the postgres user may not enter the working directory of the tests.
        var command = ["/usr/bin/env", "--chdir=\(folder)", executable] + arguments
        if let runAs {
            guard let runuser = tool("runuser") else { throw TemporaryPostgresError("runuser is missing (util-linux)") }
            command = [runuser, "-u", runAs, "--"] + command
        }
        let result = try Self.spawn(command, outputFolder: folder, timeout: timeout)
        guard result.status == 0 else {
            let log = (try? String(contentsOfFile: folder + "/server.log", encoding: .utf8)) ?? ""
            let why = result.status == -9 ? "took longer than \(Int(timeout)) s" : "exited with \(result.status)"
            throw TemporaryPostgresError("\(program) \(why): \(result.output)\(log.isEmpty ? "" : "\nserver log:\n\(log.suffix(2000))")")
        }
    }

    /// Runs `command` with its output in a file of `outputFolder`, waiting at most `timeout` (then SIGKILL, status -9).
    ///
    /// Not Foundation's `Process`: it takes a program for running until a pipe it gives the child closes, and the
    /// server that `pg_ctl start` leaves behind inherits that pipe, so `pg_ctl` would seem to run for ever.
    private static func spawn(_ command: [String], outputFolder: String, timeout: TimeInterval) throws -> (status: Int32, output: String) {
        let outputPath = outputFolder + "/command-\(UInt32.random(in: 0...UInt32.max)).log"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o666)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw TemporaryPostgresError("cannot start \(command[0]): \(String(cString: strerror(spawned)))")
        }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        var finished = false
        while !finished {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid {
                finished = true
            } else if waited < 0 && errno != EINTR {
                throw TemporaryPostgresError("waitpid for \(command[0]): \(String(cString: strerror(errno)))")
            } else if Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return (-9, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
            } else {
                usleep(20_000)
            }
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED / WEXITSTATUS, which Swift does not import (macros).
        let exitStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exitStatus, output)
    }
}

public struct TemporaryPostgresError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Starts one ``TemporaryPostgres`` for the suite it marks (and the suites nested in it), available to their tests as
/// ``TemporaryPostgres/current``, and stops it when the last of them has run.
public struct TemporaryPostgresTrait: SuiteTrait, TestScoping {
    public var isRecursive: Bool { false }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let server = try TemporaryPostgres.start()
        defer { server.stop() }
        try await TemporaryPostgres.$current.withValue(server) {
            try await function()
        }
    }
}

extension Trait where Self == TemporaryPostgresTrait {
    /// A PostgreSQL server of the suite's own (``TemporaryPostgres``).
    public static var temporaryPostgres: Self { TemporaryPostgresTrait() }
}

/// Runs `body` with the path of a directory that does not exist yet, under the system's temporary directory, and
/// removes whatever was created there afterwards.
public func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory.path + "/consort-focus-store-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}
