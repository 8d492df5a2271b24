import Focus
import Foundation
import TestSupport
import Testing

@testable import FocusSQLite

@Suite("Opening where a database cannot be")
struct OpenErrorTests {
    // The tests run as root on CI, which may write anywhere permissions allow: /proc refuses even root.
    @Test("a directory that cannot be created: the error names the path")
    func uncreatableDirectory() throws {
        let path = "/proc/consort-focus-store-test/focus.sqlite"
        let error = #expect(throws: FocusStoreError.self) { try SQLiteFocusStore(path: path) }
        #expect(error?.reason.hasPrefix("cannot open database \(path): cannot create directory /proc/consort-focus-store-test: ") == true)
    }

    @Test("a parent that is a file, not a directory")
    func parentIsAFile() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let file = directory + "/plain"
            #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
            let path = file + "/focus.sqlite"
            let error = #expect(throws: FocusStoreError.self) { try SQLiteFocusStore(path: path) }
            #expect(error?.reason == "cannot open database \(path): \(file) is a file, not a directory")
        }
    }

    @Test("a path that is a directory: the system's own words")
    func pathIsADirectory() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let error = #expect(throws: FocusStoreError.self) { try SQLiteFocusStore(path: directory) }
            #expect(error?.reason == "cannot open database \(directory): cannot create \(directory): Is a directory")
        }
    }
}
