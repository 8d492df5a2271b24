import Focus
import GRDB

// Every store method goes through `read` or `write`: GRDB's untyped errors become one `FocusStoreError` that says
// what was being done and to which file.
extension SQLiteFocusStore {
    /// Runs `body` in a read-only transaction; `action` completes "cannot …" in the error.
    func read<T: Sendable>(_ action: String, _ body: @Sendable (Database) throws -> T) async throws(FocusStoreError) -> T {
        do {
            return try await queue.read(body)
        } catch {
            throw FocusStoreError("cannot \(action) in \(path): \(Self.explain(error))")
        }
    }

    /// Runs `body` in one write transaction, committed when it returns and rolled back when it throws.
    func write<T: Sendable>(_ action: String, _ body: @Sendable (Database) throws -> T) async throws(FocusStoreError) -> T {
        do {
            return try await queue.write(body)
        } catch {
            throw FocusStoreError("cannot \(action) in \(path): \(Self.explain(error))")
        }
    }

    /// What went wrong, in a person's words: SQLite's message without the statement (whose arguments may be HA1
    /// values), or the reason of an error the store raised itself.
    static func explain(_ error: any Error) -> String {
        switch error {
        case let error as FocusStoreError:
            return error.reason
        case let error as DatabaseError:
            return error.message ?? "SQLite error \(error.resultCode.rawValue)"
        case is CancellationError:
            return "the task was cancelled"
        default:
            return String(describing: error)
        }
    }
}
