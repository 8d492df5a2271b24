/// Helpers the test targets share: the package root, free loopback ports, and running programs with a time limit.
public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The package root (two levels above this file's folder), so tests find Config/, scenarios and the built binary.
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A free port on 127.0.0.1 (for UDP, and for TCP too unless `udpAndTCP` is false), found by binding port 0.
public func freePort(udpAndTCP: Bool = true) -> Int {
    for _ in 0..<50 {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        close(fd)
        let port = Int(UInt16(bigEndian: address.sin_port))
        guard bound, port > 0 else { continue }
        if !udpAndTCP { return port }
        // Check TCP too.
        let tfd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var t = sockaddr_in()
        t.sin_family = sa_family_t(AF_INET)
        t.sin_addr.s_addr = inet_addr("127.0.0.1")
        t.sin_port = in_port_t(UInt16(port).bigEndian)
        let ok = withUnsafePointer(to: &t) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(tfd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 } }
        close(tfd)
        if ok { return port }
    }
    return 0
}

/// Runs a program with a time limit; returns its exit status (or -9 when it had to be killed) and its output.
public func runProgram(_ executable: String, _ arguments: [String], timeout: TimeInterval, directory: URL? = nil) throws -> (status: Int32, output: String) {
    let launched = try launchProgram(executable, arguments, directory: directory)
    let deadline = Date().addingTimeInterval(timeout)
    while launched.0.isRunning && Date() < deadline { usleep(20_000) }
    let killed = launched.0.isRunning
    let result = stopProgram(launched, grace: 0.2)
    return (killed ? -9 : result.status, result.output)
}

/// Starts a long-running program; the caller stops it with `stop(_:)`.
public func launchProgram(_ executable: String, _ arguments: [String], directory: URL? = nil) throws -> (Process, URL) {
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
    return (process, outputFile)
}

/// Waits up to `timeout` seconds for a launched program to exit by itself, then stops it; returns its status and output.
public func waitForProgram(_ launched: (Process, URL), timeout: TimeInterval) -> (status: Int32, output: String) {
    let deadline = Date().addingTimeInterval(timeout)
    while launched.0.isRunning && Date() < deadline { usleep(20_000) }
    let result = stopProgram(launched)
    return (result.status, result.output)
}

/// Stops a launched program (SIGTERM, then SIGKILL after `grace` seconds); returns its status and output.
public func stopProgram(_ launched: (Process, URL), grace: TimeInterval = 5) -> (status: Int32, output: String, seconds: TimeInterval) {
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
public func tool(_ name: String) -> String? {
    for dir in ["/usr/bin", "/usr/sbin", "/bin", "/usr/local/bin"] {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// Waits (at most `seconds`) until a launched program's log has `text` or the program has ended; returns the log so far.
public func waitForLog(_ launched: (Process, URL), _ text: String, seconds: Double = 15) async -> String {
    let deadline = Date().addingTimeInterval(seconds)
    var log = ""
    while Date() < deadline {
        log = (try? String(contentsOf: launched.1, encoding: .utf8)) ?? ""
        if log.contains(text) || !launched.0.isRunning { break }
        try? await Task.sleep(for: .milliseconds(25))
    }
    return log
}
