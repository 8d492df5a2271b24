/// An error from parsing a session description (RFC 8866) or from offer/answer (RFC 3264): an extensible
/// code, a reason a person can act on, and the body line it concerns. The SIP layer answers with
/// 488 Not Acceptable Here and puts ``reason`` in a Warning header, so reasons name the line and the value.
/// Equality compares the code only.
public struct SDPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// A stable number for the kind.
        public let rawValue: Int
        /// A short human name.
        public let name: String

        /// Makes a code; Consort's own codes are listed below.
        public init(rawValue: Int, name: String) {
            self.rawValue = rawValue
            self.name = name
        }

        /// The body does not follow the RFC 8866 grammar.
        public static let malformed = Code(rawValue: 1, name: "malformed SDP")
        /// The body exceeds a size limit (bytes, lines or m= sections).
        public static let tooLarge = Code(rawValue: 2, name: "SDP too large")
        /// The offer is well formed, but no media stream in it can be accepted.
        public static let notAcceptable = Code(rawValue: 3, name: "offer not acceptable")
        /// An answer does not match the offer it answers (RFC 3264 §6).
        public static let answerMismatch = Code(rawValue: 4, name: "answer does not match offer")

        /// The name.
        public var description: String { name }
        /// Codes are equal when their raw values are.
        public static func == (a: Code, b: Code) -> Bool { a.rawValue == b.rawValue }
        /// Hashes the raw value.
        public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    }

    /// What went wrong.
    public var code: Code
    /// Why, in words a person can act on; begins with "line N:" when one line of the body is at fault.
    /// Contains no double quote, backslash or control character, so it fits a SIP Warning header's quoted text as is.
    public var reason: String
    /// The 1-based line of the body at fault, when there is one.
    public var line: Int?
    /// The source file that raised the error.
    public var file: String
    /// The source line that raised the error.
    public var sourceLine: Int

    /// Makes an error; `file` and `sourceLine` default to the caller's.
    public init(_ code: Code, _ reason: String, line: Int? = nil, file: String = #fileID, sourceLine: Int = #line) {
        self.code = code
        // Reasons quote untrusted text; keep them safe inside a SIP quoted-string (RFC 3261 §25.1).
        self.reason = String(String.UnicodeScalarView(reason.unicodeScalars.map { scalar -> Unicode.Scalar in
            switch scalar {
            case "\"": "'"
            case "\\": "/"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: "?"
            default: scalar
            }
        }))
        self.line = line
        self.file = file
        self.sourceLine = sourceLine
    }

    /// A malformed-body error at a line: the reason becomes "line N: <problem>".
    static func malformed(_ problem: String, line: Int, file: String = #fileID, sourceLine: Int = #line) -> SDPError {
        SDPError(.malformed, "line \(line): \(problem)", line: line, file: file, sourceLine: sourceLine)
    }

    /// The reason, code and origin.
    public var description: String { "\(reason) (\(code), \(file):\(sourceLine))" }
    /// Errors are equal when their codes are.
    public static func == (a: SDPError, b: SDPError) -> Bool { a.code == b.code }
}
