// RFC 3261 §7.3.1 (header field format and folding) and §7.5 (framing):
//   message-header  =  field-name HCOLON field-value CRLF     HCOLON = *( SP / HTAB ) ":" SWS
//   A field may span lines: a line starting with SP or HTAB continues the previous one, and the CRLF plus
//   the leading white space are equivalent to one SP. An empty line ends the header section.
// Lines ending in a bare LF are accepted as well as CRLF; a bare CR inside the header section is an error.

/// The start line and unfolded header fields of a message, as split from its bytes.
struct SIPHeaderBlock: Sendable {
    /// The start line's bytes (without its line ending).
    var startLine: Range<Int>
    var fields: [SIPHeaderField] = []
    /// The first byte after the empty line; nil when the section never ended.
    var bodyStart: Int?
    /// The first line-level error (status and reason only; the parser fills in the rest).
    var error: (status: Int, reason: String)?

    /// Splits `bytes[range]` into a start line and fields, stopping after the empty line.
    init(_ bytes: [UInt8], range: Range<Int>, limits: SIPLimits) {
        startLine = range.lowerBound..<range.lowerBound
        var lineStart = range.lowerBound
        var isFirstLine = true
        var pending: [UInt8] = []
        var hasPending = false
        while lineStart < range.upperBound {
            guard let newline = SIPHeaderBlock.firstIndex(of: 0x0A, in: bytes, from: lineStart, to: range.upperBound) else {
                break
            }
            let lineEnd = newline > lineStart && bytes[newline - 1] == 0x0D ? newline - 1 : newline
            let line = lineStart..<lineEnd
            lineStart = newline + 1
            if isFirstLine {
                startLine = line
                isFirstLine = false
                continue
            }
            if line.isEmpty {
                if hasPending { flush(&pending, bytes: bytes, limits: limits) }
                bodyStart = newline + 1
                return
            }
            if bytes[line].contains(0x0D) { record(400, "Bare CR in header section") }
            if SIPGrammar.isWhitespace(bytes[line.lowerBound]) {
                guard hasPending else {
                    record(400, "Continuation line without a header field")
                    continue
                }
                var first = line.lowerBound
                while first < line.upperBound, SIPGrammar.isWhitespace(bytes[first]) { first += 1 }
                if pending.count <= limits.maxHeaderLineBytes {
                    pending.append(0x20)
                    pending.append(contentsOf: bytes[first..<line.upperBound])
                }
            } else {
                if hasPending { flush(&pending, bytes: bytes, limits: limits) }
                pending.removeAll(keepingCapacity: true)
                pending.append(contentsOf: bytes[line])
                hasPending = true
            }
        }
        // Unterminated: keep what the last (partial) line holds, for salvage only.
        if isFirstLine {
            startLine = range.lowerBound..<lineStart
        } else {
            if lineStart < range.upperBound {
                if SIPGrammar.isWhitespace(bytes[lineStart]), hasPending {
                    pending.append(0x20)
                    pending.append(contentsOf: bytes[lineStart..<range.upperBound])
                } else {
                    if hasPending { flush(&pending, bytes: bytes, limits: limits) }
                    pending = Array(bytes[lineStart..<range.upperBound])
                    hasPending = true
                }
            }
            if hasPending { flush(&pending, bytes: bytes, limits: limits) }
        }
    }

    private mutating func record(_ status: Int, _ reason: String) {
        if error == nil { error = (status, reason) }
    }

    private mutating func flush(_ line: inout [UInt8], bytes: [UInt8], limits: SIPLimits) {
        defer { line.removeAll(keepingCapacity: true) }
        guard line.count <= limits.maxHeaderLineBytes else {
            record(400, "Header field longer than \(limits.maxHeaderLineBytes) octets")
            return
        }
        guard fields.count < limits.maxHeaderFields else {
            record(400, "More than \(limits.maxHeaderFields) header fields")
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            record(400, "Header field without a colon")
            return
        }
        var nameEnd = colon
        while nameEnd > 0, SIPGrammar.isWhitespace(line[nameEnd - 1]) { nameEnd -= 1 }
        let name = line[..<nameEnd]
        guard !name.isEmpty, name.allSatisfy(SIPGrammar.isTokenCharacter) else {
            record(400, "Malformed header field name")
            return
        }
        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd, SIPGrammar.isWhitespace(line[valueStart]) { valueStart += 1 }
        while valueEnd > valueStart, SIPGrammar.isWhitespace(line[valueEnd - 1]) { valueEnd -= 1 }
        fields.append(SIPHeaderField(
            name: SIPHeaderName.canonical(String(decoding: name, as: UTF8.self)),
            value: String(decoding: line[valueStart..<valueEnd], as: UTF8.self)))
    }

    static func firstIndex(of byte: UInt8, in bytes: [UInt8], from start: Int, to end: Int) -> Int? {
        var index = start
        while index < end {
            if bytes[index] == byte { return index }
            index += 1
        }
        return nil
    }

    /// The index just after the empty line that ends the header section starting at `start`, searching
    /// `bytes[from..<end]` (`from` lets a stream resume where the last search stopped); nil when not there yet.
    static func end(in bytes: [UInt8], start: Int, from: Int, to end: Int) -> Int? {
        var index = max(from, start)
        while index < end {
            guard let newline = firstIndex(of: 0x0A, in: bytes, from: index, to: end) else { return nil }
            // An empty line: LF right after the previous LF, or CR LF right after it.
            if newline > start {
                let previous = bytes[newline - 1]
                if previous == 0x0A { return newline + 1 }
                if previous == 0x0D, newline - 1 > start, bytes[newline - 2] == 0x0A { return newline + 1 }
            }
            index = newline + 1
        }
        return nil
    }

    /// The Via, From, To, Call-ID and CSeq fields, for a stateless error response.
    var salvage: SIPHeaders {
        SIPHeaders(fields.filter {
            ["Via", "From", "To", "Call-ID", "CSeq"].contains($0.name)
        })
    }
}
