import Testing

@testable import consort

@Suite("consort bench focus", .serialized, .timeLimit(.minutes(1)))
struct FocusBenchTests {
    @Test("join latency and NOTIFY fan-out are measured end to end (every subscriber told of every join)")
    func runs() async throws {
        var command = try FocusBenchCommand.parseAsRoot(["--subscribers", "5", "--joins", "2", "--json"]) as? FocusBenchCommand
        #expect(command != nil)
        try await command?.run()
        command = nil
    }
}
