// RFC 3261 §7 (message format), §7.5 and §18.3 (framing):
//   Request-Line  =  Method SP Request-URI SP SIP-Version CRLF
//   Status-Line   =  SIP-Version SP Status-Code SP Reason-Phrase CRLF
//   SIP-Version   =  "SIP" "/" 1*DIGIT "." 1*DIGIT          Status-Code = 3DIGIT (100...699)
// Over UDP a missing Content-Length means the body runs to the end of the datagram, and octets after the
// Content-Length's body are ignored (RFC 4475 dblreq); over a stream Content-Length is mandatory.
//
// Strict choices (RFC 4475 §3.1.2): the Request-Line must use exactly one SP between its three parts
// (lwsstart, trws → 400), the Request-URI must not be in <> (ltgtruri) nor carry headers (escruri) → 400.

/// Parses whole SIP messages from bytes. Never traps: malformed input yields a `SIPParseError`.
public enum SIPMessageParser {
    /// Parses one complete message from a datagram.
    public static func parseDatagram(_ bytes: [UInt8], limits: SIPLimits = SIPLimits()) -> Result<SIPMessage, SIPParseError> {
        var start = 0
        while start < bytes.count, bytes[start] == 0x0D || bytes[start] == 0x0A { start += 1 }
        guard start < bytes.count else {
            return .failure(SIPParseError(status: 400, reason: "Empty message", isFramingError: true))
        }
        if bytes.count - start > limits.maxMessageBytes {
            let block = SIPHeaderBlock(bytes, range: start..<(start + limits.maxMessageBytes), limits: limits)
            return .failure(SIPParseError(
                status: 413, reason: "Message longer than \(limits.maxMessageBytes) octets",
                isRequest: isRequestLine(bytes, block.startLine), salvagedHeaders: block.salvage, isFramingError: true))
        }
        let block = SIPHeaderBlock(bytes, range: start..<bytes.count, limits: limits)
        return message(bytes, block: block, bodyEnd: nil, limits: limits)
    }

    /// Parses one complete message from a datagram held in memory the caller owns.
    public static func parseDatagram(_ bytes: UnsafeRawBufferPointer, limits: SIPLimits = SIPLimits()) -> Result<SIPMessage, SIPParseError> {
        parseDatagram(Array(bytes), limits: limits)
    }

    static func isRequestLine(_ bytes: [UInt8], _ line: Range<Int>) -> Bool? {
        guard line.count >= 4 else { return nil }
        let prefix = bytes[line.lowerBound..<(line.lowerBound + 4)].map(SIPGrammar.lowercased)
        return prefix != Array("sip/".utf8)
    }

    /// Builds the message from a split header block. `bodyEnd` is fixed by a stream framer; nil for a datagram.
    static func message(_ bytes: [UInt8], block: SIPHeaderBlock, bodyEnd: Int?, limits: SIPLimits) -> Result<SIPMessage, SIPParseError> {
        let isRequest = isRequestLine(bytes, block.startLine)
        func failure(_ status: Int, _ reason: String, framing: Bool = false) -> Result<SIPMessage, SIPParseError> {
            .failure(SIPParseError(status: status, reason: reason, isRequest: isRequest,
                                   salvagedHeaders: block.salvage, isFramingError: framing))
        }
        guard let bodyStart = block.bodyStart else {
            return failure(400, "Header section not terminated by an empty line", framing: true)
        }
        // Start line.
        var start: StartLine
        switch parseStartLine(bytes, block.startLine, isRequest: isRequest ?? true, limits: limits) {
        case .success(let line): start = line
        case .failure(let error): return failure(error.status, error.reason)
        }
        if let error = block.error { return failure(error.status, error.reason) }
        // Framing.
        let end: Int
        switch contentLength(block.fields, limits: limits) {
        case .failure(let error):
            return failure(error.status, error.reason, framing: true)
        case .success(let length?):
            end = bodyStart + length
            if let bodyEnd, bodyEnd != end { return failure(400, "Content-Length does not frame the body", framing: true) }
            guard end <= bytes.count else {
                return failure(400, "Content-Length larger than the message", framing: true)
            }
        case .success(nil):
            if bodyEnd != nil { return failure(400, "Content-Length missing on a stream transport", framing: true) }
            end = bytes.count
            guard end - bodyStart <= limits.maxBodyBytes else {
                return failure(413, "Body longer than \(limits.maxBodyBytes) octets", framing: true)
            }
        }
        let headers = SIPHeaders(block.fields)
        if let error = checkHeaders(headers, limits: limits) { return failure(error.status, error.reason) }
        let body = Array(bytes[bodyStart..<end])
        switch start {
        case .request(let method, let uri):
            return .success(.request(SIPRequest(method: method, uri: uri, headers: headers, body: body)))
        case .response(let code, let reason):
            return .success(.response(SIPResponse(statusCode: code, reason: reason, headers: headers, body: body)))
        }
    }

    enum StartLine {
        case request(SIPMethod, SIPURI)
        case response(Int, String)
    }

    struct LineError: Error {
        var status: Int
        var reason: String
        init(_ status: Int, _ reason: String) {
            self.status = status
            self.reason = reason
        }
    }

    static func parseStartLine(_ bytes: [UInt8], _ line: Range<Int>, isRequest: Bool, limits: SIPLimits) -> Result<StartLine, LineError> {
        let text = bytes[line]
        if isRequest {
            let parts = text.split(separator: 0x20, omittingEmptySubsequences: false)
            guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
                return .failure(LineError(400, "Malformed Request-Line (parts must be separated by single SP)"))
            }
            guard parts[0].allSatisfy(SIPGrammar.isTokenCharacter) else {
                return .failure(LineError(400, "Malformed method"))
            }
            if let error = checkVersion(parts[2]) { return .failure(error) }
            guard parts[1].count <= limits.maxHeaderLineBytes else {
                return .failure(LineError(414, "Request-URI longer than \(limits.maxHeaderLineBytes) octets"))
            }
            let uriText = String(decoding: parts[1], as: UTF8.self)
            guard let uri = SIPURI(uriText) else {
                if SIPURIParser.isAbsoluteURI(uriText) { return .failure(LineError(416, "Unsupported URI scheme")) }
                return .failure(LineError(400, "Malformed Request-URI"))
            }
            guard uri.headers.isEmpty else {
                return .failure(LineError(400, "Request-URI must not contain headers"))
            }
            return .success(.request(SIPMethod(String(decoding: parts[0], as: UTF8.self)), uri))
        }
        guard line.count <= limits.maxHeaderLineBytes else { return .failure(LineError(400, "Status-Line too long")) }
        guard let firstSpace = text.firstIndex(of: 0x20) else { return .failure(LineError(400, "Malformed Status-Line")) }
        if let error = checkVersion(text[..<firstSpace]) { return .failure(error) }
        let codeStart = firstSpace + 1
        var codeEnd = codeStart
        while codeEnd < line.upperBound, SIPGrammar.isDigit(bytes[codeEnd]) { codeEnd += 1 }
        guard codeEnd - codeStart == 3, let code = SIPGrammar.decimal(bytes[codeStart..<codeEnd], as: Int.self),
              (100...699).contains(code)
        else { return .failure(LineError(400, "Status-Code is not three digits in 100...699")) }
        var reason = ""
        if codeEnd < line.upperBound {
            guard bytes[codeEnd] == 0x20 else { return .failure(LineError(400, "Malformed Status-Line")) }
            let phrase = bytes[(codeEnd + 1)..<line.upperBound]
            // Reason-Phrase allows SP and HTAB but no other control character (RFC 3261 §25.1).
            guard !phrase.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else {
                return .failure(LineError(400, "Control character in Reason-Phrase"))
            }
            reason = String(decoding: phrase, as: UTF8.self)
        }
        return .success(.response(code, reason))
    }

    /// nil for SIP/2.0; 505 for another well-formed version; 400 for anything else.
    static func checkVersion(_ text: ArraySlice<UInt8>) -> LineError? {
        let lower = text.map(SIPGrammar.lowercased)
        if lower == Array("sip/2.0".utf8) { return nil }
        guard lower.count > 4, lower[0..<4] == Array("sip/".utf8)[...] else {
            return LineError(400, "Malformed SIP-Version")
        }
        let numbers = lower[4...].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard numbers.count == 2, numbers.allSatisfy({ !$0.isEmpty && $0.allSatisfy(SIPGrammar.isDigit) }) else {
            return LineError(400, "Malformed SIP-Version")
        }
        return LineError(505, "SIP version not supported")
    }

    /// The single Content-Length (nil when absent); several fields or values, or a non-number, are errors.
    static func contentLength(_ fields: [SIPHeaderField], limits: SIPLimits) -> Result<Int?, LineError> {
        var found: Int?
        for field in fields where field.name == "Content-Length" {
            guard found == nil else { return .failure(LineError(400, "Multiple Content-Length values")) }
            guard let value = SIPGrammar.decimal(field.value, as: Int.self) else {
                if field.value.utf8.contains(UInt8(ascii: ",")) {
                    return .failure(LineError(400, "Multiple Content-Length values"))
                }
                if field.value.utf8.allSatisfy(SIPGrammar.isDigit), !field.value.isEmpty {
                    return .failure(LineError(413, "Content-Length larger than \(limits.maxBodyBytes) octets"))
                }
                return .failure(LineError(400, "Content-Length is not a non-negative number"))
            }
            guard value <= limits.maxBodyBytes else {
                return .failure(LineError(413, "Content-Length larger than \(limits.maxBodyBytes) octets"))
            }
            found = value
        }
        return .success(found)
    }

    /// The syntax of the headers the transaction and dialog layers rely on (RFC 3261 §8.2.2, §16.3; RFC 4475
    /// §3.1.2): Via, CSeq, Call-ID, From, To, Contact, Route, Record-Route, Max-Forwards. URIs in From, To and
    /// Contact may have any scheme here (RFC 4475 unksm2 must parse).
    static func checkHeaders(_ headers: SIPHeaders, limits: SIPLimits) -> LineError? {
        var viaCount = 0
        for field in headers.fields {
            switch field.name {
            case "Via":
                for element in SIPHeaderName.splitList(field.value, keepEmpty: true) {
                    viaCount += 1
                    guard SIPVia(element) != nil else { return LineError(400, "Malformed Via") }
                }
                if viaCount > limits.maxVias { return LineError(400, "More than \(limits.maxVias) Via values") }
            case "CSeq":
                guard SIPCSeq(field.value) != nil else {
                    let digits = field.value.utf8.prefix(while: SIPGrammar.isDigit)
                    if !digits.isEmpty, SIPGrammar.decimal(digits, as: UInt32.self) == nil {
                        return LineError(400, "CSeq sequence number exceeds 2^32-1")
                    }
                    return LineError(400, "Malformed CSeq")
                }
            case "Call-ID":
                guard !field.value.isEmpty, !field.value.utf8.contains(where: SIPGrammar.isWhitespace) else {
                    return LineError(400, "Malformed Call-ID")
                }
            case "From", "To":
                guard SIPNameAddressParts(field.value) != nil else { return LineError(400, "Malformed \(field.name)") }
            case "Contact":
                if field.value == "*" { continue }
                for element in SIPHeaderName.splitList(field.value, keepEmpty: true) {
                    guard SIPNameAddressParts(element) != nil else { return LineError(400, "Malformed Contact") }
                }
            case "Route", "Record-Route":
                for element in SIPHeaderName.splitList(field.value, keepEmpty: true) {
                    guard SIPNameAddressParts(element) != nil else { return LineError(400, "Malformed \(field.name)") }
                }
            case "Max-Forwards":
                guard SIPGrammar.decimal(field.value, as: UInt8.self) != nil else {
                    return LineError(400, "Max-Forwards is not a number in 0...255")
                }
            default:
                continue
            }
        }
        return nil
    }
}
