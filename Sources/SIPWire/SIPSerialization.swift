// RFC 3261 §7: start line, header fields in order, CRLF, body. Content-Length is always written and always
// equals the body's length (§20.14); it replaces any Content-Length field in place (or is appended).
// CR and LF inside a value or reason would break framing, so they are written as SP.

extension SIPRequest {
    /// The request as octets, ready for a transport.
    public func serialized() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(512 + body.count)
        output.append(contentsOf: method.rawValue.utf8)
        output.append(0x20)
        output.append(contentsOf: uri.description.utf8)
        output.append(contentsOf: " SIP/2.0\r\n".utf8)
        SIPSerializer.appendHeaders(headers, body: body, to: &output)
        return output
    }
}

extension SIPResponse {
    /// The response as octets, ready for a transport.
    public func serialized() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(512 + body.count)
        output.append(contentsOf: "SIP/2.0 ".utf8)
        let code = min(max(statusCode, 100), 699)
        output.append(contentsOf: String(code).utf8)
        output.append(0x20)
        SIPSerializer.appendSanitized(reason, to: &output)
        output.append(contentsOf: "\r\n".utf8)
        SIPSerializer.appendHeaders(headers, body: body, to: &output)
        return output
    }
}

extension SIPMessage {
    /// The message as octets, ready for a transport.
    public func serialized() -> [UInt8] {
        switch self {
        case .request(let request): request.serialized()
        case .response(let response): response.serialized()
        }
    }
}

enum SIPSerializer {
    static func appendSanitized(_ text: String, to output: inout [UInt8]) {
        for byte in text.utf8 {
            output.append(byte == 0x0D || byte == 0x0A ? 0x20 : byte)
        }
    }

    static func appendHeaders(_ headers: SIPHeaders, body: [UInt8], to output: inout [UInt8]) {
        var wroteLength = false
        for field in headers.fields {
            if SIPHeaderName.matches(field.name, canonical: "Content-Length") {
                if !wroteLength { appendContentLength(body.count, to: &output) }
                wroteLength = true
                continue
            }
            appendSanitized(field.name, to: &output)
            output.append(contentsOf: ": ".utf8)
            appendSanitized(field.value, to: &output)
            output.append(contentsOf: "\r\n".utf8)
        }
        if !wroteLength { appendContentLength(body.count, to: &output) }
        output.append(contentsOf: "\r\n".utf8)
        output.append(contentsOf: body)
    }

    private static func appendContentLength(_ length: Int, to output: inout [UInt8]) {
        output.append(contentsOf: "Content-Length: ".utf8)
        output.append(contentsOf: String(length).utf8)
        output.append(contentsOf: "\r\n".utf8)
    }
}
