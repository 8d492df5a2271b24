internal import CSRTP

/// An error from SRTP setup or from libsrtp: an extensible code, a reason a person can act on, and where it was raised.
/// Equality compares the code only. Per-packet calls never throw; they return an ``SRTPResult``.
public struct SRTPError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The kind of failure. libsrtp status codes keep their numeric value; Consort's own codes are negative.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The libsrtp `srtp_err_status_t` value, or a negative Consort code.
        public let rawValue: Int32
        /// A short human name.
        public let name: String

        /// Key material of the wrong length for its profile.
        public static let invalidKeyLength = Code(rawValue: -1000, name: "invalid key length")
        /// An `inline:` key parameter that does not parse (RFC 4568 §6.1).
        public static let invalidKeyParameter = Code(rawValue: -1001, name: "invalid key parameter")
        /// An `inline:` key parameter with a master key identifier, which Consort does not support.
        public static let mkiUnsupported = Code(rawValue: -1002, name: "MKI not supported")
        /// OpenSSL could not produce random bytes.
        public static let randomFailed = Code(rawValue: -1003, name: "random generator failed")
        /// A session setting outside what libsrtp supports.
        public static let unsupportedSetting = Code(rawValue: -1004, name: "unsupported setting")

        /// libsrtp: unspecified failure.
        public static let fail = libsrtp(1)
        /// libsrtp: unsupported parameter.
        public static let badParameter = libsrtp(2)
        /// libsrtp: allocation failed.
        public static let allocationFailed = libsrtp(3)
        /// libsrtp: initialisation failed.
        public static let initFailed = libsrtp(5)

        /// The code for a libsrtp status value: the one table from `srtp_err_status_t` to text.
        public static func libsrtp(_ status: Int32) -> Code {
            let name =
                switch status {
                case 0: "ok"
                case 1: "unspecified failure"
                case 2: "unsupported parameter"
                case 3: "allocation failed"
                case 4: "deallocation failed"
                case 5: "initialisation failed"
                case 6: "cannot process that much data"
                case 7: "authentication failed"
                case 8: "cipher failed"
                case 9: "replay check failed (index seen before)"
                case 10: "replay check failed (index too old)"
                case 11: "algorithm failed its self-test"
                case 12: "unsupported operation"
                case 13: "no matching stream context"
                case 14: "unable to perform the check"
                case 15: "key expired"
                case 16: "socket error"
                case 17: "signal error"
                case 18: "nonce check failed"
                case 19: "read failed"
                case 20: "write failed"
                case 21: "parse error"
                case 22: "encode error"
                case 23: "semaphore error"
                case 24: "pfkey error"
                case 25: "unknown MKI"
                case 26: "packet index too old"
                case 27: "packet index advanced too far"
                default: "libsrtp status \(status)"
                }
            return Code(rawValue: status, name: name)
        }

        /// The name.
        public var description: String { name }
        /// Codes are equal when their raw values are.
        public static func == (a: Code, b: Code) -> Bool { a.rawValue == b.rawValue }
        /// Hashes the raw value.
        public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    }

    /// What went wrong.
    public let code: Code
    /// Why, in words a person can act on.
    public let reason: String
    /// The source file that raised the error.
    public let file: String
    /// The line that raised the error.
    public let line: Int

    /// Makes an error with a code and a reason; `file` and `line` default to the caller's.
    public init(_ code: Code, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    /// Wraps a libsrtp status with the call that returned it.
    static func libsrtp(_ status: srtp_err_status_t, during call: String, file: String = #fileID, line: Int = #line)
        -> SRTPError
    {
        let code = Code.libsrtp(Int32(bitPattern: status.rawValue))
        return SRTPError(code, "\(call) failed: \(code.name)", file: file, line: line)
    }

    /// The reason, code and origin.
    public var description: String { "\(reason) (\(code), \(file):\(line))" }
    /// Errors are equal when their codes are.
    public static func == (a: SRTPError, b: SRTPError) -> Bool { a.code == b.code }
}
