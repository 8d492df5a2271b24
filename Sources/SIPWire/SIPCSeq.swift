// RFC 3261 §20.16, §8.1.1.5:  CSeq = "CSeq" HCOLON 1*DIGIT LWS Method
// "The sequence number MUST be expressible as a 32-bit unsigned integer" (RFC 4475 scalar02: larger → 400).

/// A CSeq value: sequence number and method.
public struct SIPCSeq: Sendable, Hashable, CustomStringConvertible {
    public var sequence: UInt32
    public var method: SIPMethod

    /// A CSeq of `sequence` and `method`.
    public init(_ sequence: UInt32, _ method: SIPMethod) {
        self.sequence = sequence
        self.method = method
    }

    /// Parses `1*DIGIT LWS Method`; nil when the number exceeds 2^32-1 or the method is not a token.
    public init?(_ text: String) {
        var scanner = ByteScanner(text)
        scanner.skipWhitespace()
        guard let sequence = SIPGrammar.decimal(scanner.scan(while: SIPGrammar.isDigit), as: UInt32.self) else {
            return nil
        }
        let beforeSpace = scanner.index
        scanner.skipWhitespace()
        guard scanner.index > beforeSpace, let method = scanner.token() else { return nil }
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { return nil }
        self.init(sequence, SIPMethod(method))
    }

    /// `sequence METHOD`.
    public var description: String { String(sequence) + " " + method.rawValue }
}
