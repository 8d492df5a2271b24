public import Focus
import GRDB

/// The ``FocusStore`` of one machine: tenants, users, scheduled meetings and registrations in an embedded SQLite file.
///
/// Opening creates the file (and its parent directory) and brings the schema up to date with named migrations
/// (`SQLiteFocusStore+Schema.swift`), so a later schema change is one more migration, applied on the next start.
/// The database runs in WAL mode with foreign keys on: deleting a tenant deletes its users, meetings and
/// registrations with it.
///
/// One serial connection (GRDB's `DatabaseQueue`) does all the work: the focus reads and writes a few records per
/// call set-up or REGISTER, far below what one connection serves. The async methods run it off the caller's thread.
/// The connection closes when the store is released (SQLite then folds the write-ahead log into the file); there is
/// no `close()`, because GRDB treats any use of a closed connection as a programmer error that traps.
public final class SQLiteFocusStore: FocusStore {
    /// The database file, as given to ``init(path:)``.
    public let path: String
    let queue: DatabaseQueue

    /// Opens the database at `path`, creating the file and its parent directories when missing, and migrates it.
    ///
    /// - Throws: ``FocusStoreError`` naming the path and what SQLite or the file system said, e.g.
    ///   "cannot open database /x/y.sqlite: unable to open database file".
    public init(path: String) throws(FocusStoreError) {
        self.path = path
        do {
            try FileSystem.createParentDirectory(of: path)
            try FileSystem.makePrivateFile(path)
        } catch {
            throw FocusStoreError("cannot open database \(path): \(error.reason)")
        }
        var configuration = Configuration()
        configuration.label = "consort.focus"
        configuration.journalMode = .wal
        configuration.foreignKeysEnabled = true
        // Another process (a backup, the sqlite3 shell) may hold the lock briefly; wait rather than fail the call.
        configuration.busyMode = .timeout(5)
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw FocusStoreError("cannot open database \(path): \(Self.explain(error))")
        }
        do {
            try Self.migrator.migrate(queue)
        } catch {
            throw FocusStoreError("cannot migrate database \(path): \(Self.explain(error))")
        }
    }
}
