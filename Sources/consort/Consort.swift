import ArgumentParser

/// The `consort` command: one binary for the server, MCU instances, the load generator and benchmarks.
@main
struct Consort: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consort",
        abstract: "Multi-tenant audio/video conferencing server.",
        subcommands: [ServeCommand.self, McuCommand.self, PoolCommand.self, LoadgenCommand.self, BenchCommand.self]
    )
}
