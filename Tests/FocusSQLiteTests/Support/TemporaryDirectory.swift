import Foundation

/// Runs `body` with the path of a directory that does not exist yet, under the system's temporary directory, and
/// removes whatever was created there afterwards (the database, its WAL and shared-memory files).
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory.path + "/consort-focus-store-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}
