import Focus

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place where the store meets errno: creating the database's directory.
enum FileSystem {
    /// Creates the directory that will hold `path` and its missing parents, like `mkdir -p`; nothing for a bare
    /// file name.
    static func createParentDirectory(of path: String) throws(FocusStoreError) {
        guard let slash = path.lastIndex(of: "/") else { return }
        let directory = String(path[..<slash])
        let absolute = directory.hasPrefix("/")
        var components: [Substring] = []
        for component in directory.split(separator: "/") {
            components.append(component)
            let partial = (absolute ? "/" : "") + components.joined(separator: "/")
            if isDirectory(partial) || mkdir(partial, 0o755) == 0 { continue }
            let code = errno
            if code == EEXIST {
                if isDirectory(partial) { continue }  // made by someone else since the check
                throw FocusStoreError("\(partial) is a file, not a directory")
            }
            throw FocusStoreError("cannot create directory \(partial): \(String(cString: strerror(code)))")
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
