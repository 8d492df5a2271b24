/// Why a conference information document could not be read or applied.
///
/// An extensible code, a reason a person can act on, and where it was raised; equality compares the code only.
public struct ConferenceInfoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name.
        public let name: String

        /// A code named `name`.
        public init(_ name: String) { self.name = name }

        /// The bytes are not well-formed XML (or use a feature this reader refuses, such as a DTD).
        public static let malformedXML = Code("malformed XML")
        /// Well-formed XML that is not a conference-info document this model can hold: wrong root, missing
        /// mandatory attribute, a value outside the schema's type.
        public static let invalidDocument = Code("invalid document")
        /// A partial document whose version is not exactly one above the document it is applied to.
        public static let versionMismatch = Code("version mismatch")
        /// The documents do not fit together: not full plus partial, or about different conferences.
        public static let notApplicable = Code("not applicable")

        /// The code's name.
        public var description: String { name }
    }

    /// What kind of failure this is.
    public var code: Code
    /// What was wrong, in words.
    public var reason: String
    /// The source file that raised the error.
    public var file: String
    /// The line that raised the error.
    public var line: Int

    /// An error with `code` and `reason`, recording where it was raised.
    public init(_ code: Code, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    /// Compares the codes only.
    public static func == (lhs: ConferenceInfoError, rhs: ConferenceInfoError) -> Bool { lhs.code == rhs.code }

    /// `code: reason`.
    public var description: String { "\(code): \(reason)" }
}
