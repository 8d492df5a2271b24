internal import COpus

/// An error from libopus or from codec setup: an extensible code, a reason a person can act on, and where it was raised.
/// Equality compares the code only.
public struct CodecError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public let name: String
        public static let badArgument = Code(rawValue: OPUS_BAD_ARG, name: "bad argument")
        public static let bufferTooSmall = Code(rawValue: OPUS_BUFFER_TOO_SMALL, name: "buffer too small")
        public static let internalError = Code(rawValue: OPUS_INTERNAL_ERROR, name: "internal error")
        public static let invalidPacket = Code(rawValue: OPUS_INVALID_PACKET, name: "invalid packet")
        public static let unimplemented = Code(rawValue: OPUS_UNIMPLEMENTED, name: "unimplemented")
        public static let invalidState = Code(rawValue: OPUS_INVALID_STATE, name: "invalid state")
        public static let allocationFailed = Code(rawValue: OPUS_ALLOC_FAIL, name: "allocation failed")
        /// A codec setting outside what the codec supports (Consort's own check, before libopus is called).
        public static let unsupportedSetting = Code(rawValue: -1000, name: "unsupported setting")

        /// The code for a libopus status value.
        static func opus(_ status: Int32) -> Code {
            switch status {
            case OPUS_BAD_ARG: .badArgument
            case OPUS_BUFFER_TOO_SMALL: .bufferTooSmall
            case OPUS_INTERNAL_ERROR: .internalError
            case OPUS_INVALID_PACKET: .invalidPacket
            case OPUS_UNIMPLEMENTED: .unimplemented
            case OPUS_INVALID_STATE: .invalidState
            case OPUS_ALLOC_FAIL: .allocationFailed
            default: Code(rawValue: status, name: "opus status \(status)")
            }
        }

        public var description: String { name }
        public static func == (a: Code, b: Code) -> Bool { a.rawValue == b.rawValue }
        public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    }

    public let code: Code
    public let reason: String
    public let file: String
    public let line: Int

    public init(_ code: Code, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    /// Wraps a libopus status with the call that returned it.
    static func opus(_ status: Int32, during call: String, file: String = #fileID, line: Int = #line) -> CodecError {
        let text = String(cString: opus_strerror(status))
        return CodecError(.opus(status), "\(call) failed: \(text)", file: file, line: line)
    }

    public var description: String { "\(reason) (\(code), \(file):\(line))" }
    public static func == (a: CodecError, b: CodecError) -> Bool { a.code == b.code }
}
