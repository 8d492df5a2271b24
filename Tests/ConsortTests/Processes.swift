import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program with a time limit; returns its exit status (or -9 when it had to be killed) and its output.
func runProgram(_ executable: String, _ arguments: [String], timeout: TimeInterval, directory: URL? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("consort-test-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
    let handle = try FileHandle(forWritingTo: outputFile)
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    var killed = false
    if process.isRunning {
        process.terminate()
        usleep(200_000)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        killed = true
    }
    process.waitUntilExit()
    try? handle.close()
    let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
    try? FileManager.default.removeItem(at: outputFile)
    return (killed ? -9 : process.terminationStatus, output)
}

/// Starts a long-running program; the caller stops it with `stop(_:)`.
func launchProgram(_ executable: String, _ arguments: [String]) throws -> (Process, URL) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("consort-test-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
    let handle = try FileHandle(forWritingTo: outputFile)
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return (process, outputFile)
}

/// Stops a launched program (SIGTERM, then SIGKILL after `grace` seconds); returns its status and output.
func stopProgram(_ launched: (Process, URL), grace: TimeInterval = 5) -> (status: Int32, output: String, seconds: TimeInterval) {
    let (process, log) = launched
    let start = Date()
    if process.isRunning { process.terminate() }
    let deadline = Date().addingTimeInterval(grace)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    try? FileManager.default.removeItem(at: log)
    return (process.terminationStatus, output, Date().timeIntervalSince(start))
}

/// Where a Debian tool lives, or nil.
func tool(_ name: String) -> String? {
    for dir in ["/usr/bin", "/usr/sbin", "/bin", "/usr/local/bin"] {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}
