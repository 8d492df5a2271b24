public import SIPWire

/// Why a SIP operation failed, in words a person can act on. Equality compares the code only.
public struct SIPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: Sendable, Equatable {
        /// No final response within Timer B/F (64·T1).
        case timeout
        /// The request could not be sent (no route, connection refused, socket closed).
        case transportFailure
        /// The peer answered with a final non-2xx response.
        case rejected
        /// The request was cancelled before a final response.
        case cancelled
        /// The dialog the request belongs to no longer exists.
        case noDialog
        /// The stack is stopped or was never started.
        case notRunning
        /// Bad arguments or configuration.
        case invalid
    }

    public let code: Code
    public let reason: String
    /// The final response, for `.rejected`.
    public let response: SIPResponse?
    public let file: String
    public let line: Int

    public init(_ code: Code, _ reason: String, response: SIPResponse? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.response = response
        self.file = file
        self.line = line
    }

    public var description: String { "\(reason) (\(file):\(line))" }
    public static func == (a: SIPError, b: SIPError) -> Bool { a.code == b.code }
}
