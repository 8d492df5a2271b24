import ArgumentParser
import Logging

/// The `consort` command: one binary for the server, MCU instances, the load generator and benchmarks.
@main
struct Consort: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consort",
        abstract: "Multi-tenant audio/video conferencing server.",
        subcommands: [ServeCommand.self, McuCommand.self, PoolCommand.self, LoadgenCommand.self, BenchCommand.self]
    )
}

/// Logs go to standard error at `level`, for every subcommand that runs a service.
func bootstrapLogging(_ level: Logger.Level) {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
}
