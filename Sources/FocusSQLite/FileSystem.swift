import Focus

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place where the store meets errno: creating the database's directory and file.
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

    /// Makes `path` readable and writable by its owner only (0600), creating it empty when missing: the database
    /// holds credential digests. SQLite gives its -wal and -shm files the main file's mode.
    static func makePrivateFile(_ path: String) throws(FocusStoreError) {
        let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FocusStoreError("cannot create \(path): \(String(cString: strerror(errno)))") }
        close(fd)
        guard chmod(path, 0o600) == 0 else { throw FocusStoreError("cannot make \(path) private: \(String(cString: strerror(errno)))") }
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
