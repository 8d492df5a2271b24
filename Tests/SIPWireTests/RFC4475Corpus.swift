import SIPWire
import Testing

/// The RFC 4475 torture messages in `../shared/rfc4475` next to the repository root, read at test time.
enum RFC4475Corpus {
    /// `<repo>/Tests/SIPWireTests/<file>` → `<repo>/../shared/rfc4475`.
    static let directory: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(3)
        let root = parts.joined(separator: "/")
        return root + "/../shared/rfc4475"
    }()

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var section: String
        var category: String
        var expected: String
        var testDescription: String { name }
    }

    /// The rows of index.tsv (header skipped); empty, with an issue recorded, when the corpus is absent.
    static let rows: [Row] = {
        guard let text = read(directory + "/index.tsv") else { return [] }
        return String(decoding: text, as: UTF8.self).split(separator: "\n").dropFirst().compactMap { line in
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count >= 4 else { return nil }
            return Row(name: columns[0], section: columns[1], category: columns[2], expected: columns[3])
        }
    }()

    static func bytes(_ name: String) throws -> [UInt8] {
        guard let bytes = read(directory + "/" + name) else {
            throw CorpusMissing(path: directory + "/" + name)
        }
        return bytes
    }

    struct CorpusMissing: Error, CustomStringConvertible {
        var path: String
        var description: String { "RFC 4475 corpus not found at \(path): expected ../shared/rfc4475 next to the repository root" }
    }

    private static func read(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
