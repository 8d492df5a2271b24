// RFC 3261 §18.3 (stream framing by Content-Length, which is mandatory on streams), §7.5 (CRLFs before a
// start line are ignored), RFC 5626 §4.4.1 (CRLF keep-alives). A framing error leaves the stream position
// unknown, so the connection must be closed; any other parse error leaves the stream usable.

/// Splits a TCP/TLS byte stream into SIP messages.
public struct SIPStreamFramer: Sendable {
    private let limits: SIPLimits
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Where the search for the end of the header section resumes.
    private var scanIndex = 0
    /// The current message's header block and end, once its header section is complete.
    private var pending: (block: SIPHeaderBlock, end: Int)?
    private var failed = false

    /// A framer enforcing `limits`.
    public init(limits: SIPLimits = SIPLimits()) { self.limits = limits }

    /// Adds bytes as they arrive. Ignored after a framing error.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !failed else { return }
        if pending == nil, readIndex > 0, readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete message or error; nil when more bytes are needed (or after a framing error).
    public mutating func next() -> Result<SIPMessage, SIPParseError>? {
        guard !failed else { return nil }
        if pending == nil {
            while readIndex < buffer.count, buffer[readIndex] == 0x0D || buffer[readIndex] == 0x0A { readIndex += 1 }
            scanIndex = max(scanIndex, readIndex)
            guard readIndex < buffer.count else { return nil }
            guard let bodyStart = SIPHeaderBlock.end(in: buffer, start: readIndex, from: max(readIndex, scanIndex - 3), to: buffer.count) else {
                scanIndex = buffer.count
                if buffer.count - readIndex > limits.maxMessageBytes {
                    return fail(413, "Header section longer than \(limits.maxMessageBytes) octets", salvage: SIPHeaders())
                }
                return nil
            }
            let block = SIPHeaderBlock(buffer, range: readIndex..<bodyStart, limits: limits)
            switch SIPMessageParser.contentLength(block.fields, limits: limits) {
            case .failure(let error):
                return fail(error.status, error.reason, salvage: block.salvage)
            case .success(nil):
                return fail(400, "Content-Length missing on a stream transport", salvage: block.salvage)
            case .success(let length?):
                guard bodyStart - readIndex + length <= limits.maxMessageBytes else {
                    return fail(413, "Message longer than \(limits.maxMessageBytes) octets", salvage: block.salvage)
                }
                pending = (block, bodyStart + length)
            }
        }
        guard let (block, end) = pending, end <= buffer.count else { return nil }
        let start = readIndex
        let messageBytes = Array(buffer[start..<end])
        var shifted = block
        let offset = start
        shifted.startLine = (block.startLine.lowerBound - offset)..<(block.startLine.upperBound - offset)
        shifted.bodyStart = block.bodyStart.map { $0 - offset }
        readIndex = end
        scanIndex = end
        pending = nil
        return SIPMessageParser.message(messageBytes, block: shifted, bodyEnd: end - offset, limits: limits)
    }

    /// Whether a framing error occurred: the connection must be closed.
    public var mustClose: Bool { failed }

    /// Bytes received and not yet returned as a message.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    private mutating func fail(_ status: Int, _ reason: String, salvage: SIPHeaders) -> Result<SIPMessage, SIPParseError>? {
        failed = true
        let isRequest = buffer.count - readIndex >= 4 ? SIPMessageParser.isRequestLine(buffer, readIndex..<(readIndex + 4)) : nil
        return .failure(SIPParseError(status: status, reason: reason, isRequest: isRequest,
                                      salvagedHeaders: salvage, isFramingError: true))
    }
}
