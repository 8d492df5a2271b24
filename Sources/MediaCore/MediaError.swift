/// A media setup error with a reason an operator can act on. Equality compares the code only.
public struct MediaError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case socket
        case ports
        case configuration
        case negotiation
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
    public static func == (a: MediaError, b: MediaError) -> Bool { a.code == b.code }
}
