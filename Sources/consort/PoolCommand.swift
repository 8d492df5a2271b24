import ArgumentParser
import Foundation
import FocusPostgres
import Logging
import MCUPool

/// `consort pool`: the MCU instances registered in the shared database — list them with their load, drain one (its
/// conferences move to others without dropping calls), remove one (refused while it holds conferences).
struct PoolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool",
        abstract: "List, drain or remove the MCU instances of the pool (in the shared PostgreSQL database).",
        subcommands: [List.self, Drain.self, Remove.self]
    )

    struct Options: ParsableArguments {
        @Option(help: "Configuration file (its focus.database).") var config = "Config/consort.yaml"
        @Option(help: "The shared database, a postgres:// URL (overrides focus.database).") var database: String?

        /// Opens the pool store and runs `body` with it while the connection pool runs.
        func withStore<T: Sendable>(_ body: @Sendable (any MCUPoolStore) async throws -> T) async throws -> T {
            let setting = try database ?? ConsortConfiguration.load(path: config).focus.database
            guard case .postgres(let location) = try FocusDatabase(setting: setting) else {
                throw ValidationError("the pool lives in the shared database: give --database postgres://… or set focus.database to one")
            }
            var logger = Logger(label: "consort-pool")
            logger.logLevel = .warning
            let shared = SharedDatabase(location: location, logger: logger)
            do {
                try await shared.prepare([.mcuPool])
            } catch {
                throw ValidationError("pool store: \(error)")
            }
            // The connection pool runs as a child task while `body` uses it.
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    await shared.run()
                    return nil
                }
                defer { group.cancelAll() }
                return try await body(PostgresMCUPoolStore(database: shared))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the instances with their state and last load report.")
        @OptionGroup var options: Options

        func run() async throws {
            let (instances, placements) = try await options.withStore { store in (try await store.instances(), try await store.placements()) }
            print("ID".padding(toLength: 16, withPad: " ", startingAt: 0), "STATE     CONTROL               MEDIA            CORES  CONF  ENDP  TICK-LOAD  LAST-REPORT")
            for i in instances {
                let load = i.load
                let tick = load?.tickMicrosecondsPerSecond.map { String(format: "%.1f%%", Double($0) / Double(max(1, i.registration.cores) * 10_000)) } ?? "-"
                let age = i.secondsSinceReport.map { String(format: "%.1fs ago", $0) } ?? "never"
                let placed = placements.filter { $0.instance == i.id }.count
                print(
                    i.id.padding(toLength: 16, withPad: " ", startingAt: 0), i.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0),
                    i.registration.controlAddress.padding(toLength: 21, withPad: " ", startingAt: 0),
                    i.registration.mediaAddress.padding(toLength: 16, withPad: " ", startingAt: 0),
                    String(i.registration.cores).padding(toLength: 6, withPad: " ", startingAt: 0),
                    String(placed).padding(toLength: 5, withPad: " ", startingAt: 0),
                    String(load?.endpoints ?? 0).padding(toLength: 5, withPad: " ", startingAt: 0), tick.padding(toLength: 10, withPad: " ", startingAt: 0), age)
            }
        }
    }

    struct Drain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drain an instance: no new conferences; the focus moves its conferences to others.")
        @OptionGroup var options: Options
        @Argument(help: "The instance's id.") var id: String

        func run() async throws {
            let id = self.id
            guard try await options.withStore({ try await $0.setState(instance: id, .draining) }) else {
                throw ValidationError("no MCU instance \(id) (consort pool list shows them)")
            }
            print("\(id): draining; its conferences move to other instances")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget an instance (refused while conferences are placed on it: drain it first).")
        @OptionGroup var options: Options
        @Argument(help: "The instance's id.") var id: String

        func run() async throws {
            let id = self.id
            let outcome: String = try await options.withStore { store in
                let placed = try await store.placements(on: id).count
                if placed > 0 { return "still holds \(placed) conference(s): drain it first (consort pool drain \(id))" }
                return try await store.remove(instance: id) ? "" : "no such instance (consort pool list shows them)"
            }
            guard outcome.isEmpty else { throw ValidationError("\(id): \(outcome)") }
            print("\(id): removed")
        }
    }
}
