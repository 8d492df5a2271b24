// RFC 3261 §7.3.1 and §20: header names are case-insensitive; §7.3.3 compact forms.
// Compact forms from RFC 3261 (i m e l c f s k t v), RFC 6665 (o u), RFC 3515 (r), RFC 3892 (b),
// RFC 4028 (x), RFC 8224 (y), RFC 3841 (a j d), RFC 4474 (n).

/// Canonical spellings of header names, compact forms, and which headers are comma-separated lists.
enum SIPHeaderName {
    private static let compactForms: [UInt8: String] = [
        UInt8(ascii: "i"): "Call-ID", UInt8(ascii: "m"): "Contact", UInt8(ascii: "e"): "Content-Encoding",
        UInt8(ascii: "l"): "Content-Length", UInt8(ascii: "c"): "Content-Type", UInt8(ascii: "f"): "From",
        UInt8(ascii: "s"): "Subject", UInt8(ascii: "k"): "Supported", UInt8(ascii: "t"): "To",
        UInt8(ascii: "v"): "Via", UInt8(ascii: "o"): "Event", UInt8(ascii: "u"): "Allow-Events",
        UInt8(ascii: "r"): "Refer-To", UInt8(ascii: "b"): "Referred-By", UInt8(ascii: "x"): "Session-Expires",
        UInt8(ascii: "y"): "Identity", UInt8(ascii: "a"): "Accept-Contact", UInt8(ascii: "j"): "Reject-Contact",
        UInt8(ascii: "d"): "Request-Disposition", UInt8(ascii: "n"): "Identity-Info",
    ]

    private static let known: [String] = [
        "Accept", "Accept-Contact", "Accept-Encoding", "Accept-Language", "Alert-Info", "Allow", "Allow-Events",
        "Authentication-Info", "Authorization", "Call-ID", "Call-Info", "Contact", "Content-Disposition",
        "Content-Encoding", "Content-Language", "Content-Length", "Content-Type", "CSeq", "Date", "Error-Info",
        "Event", "Expires", "From", "History-Info", "Identity", "Identity-Info", "In-Reply-To", "Max-Forwards",
        "MIME-Version", "Min-Expires", "Min-SE", "Organization", "P-Asserted-Identity", "P-Preferred-Identity",
        "Path", "Priority", "Privacy", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Require", "RAck",
        "Reason", "Record-Route", "Refer-Sub", "Refer-To", "Referred-By", "Reject-Contact", "Replaces",
        "Reply-To", "Request-Disposition", "Require", "Retry-After", "Route", "RSeq", "Security-Client",
        "Security-Server", "Security-Verify", "Server", "Service-Route", "Session-Expires", "SIP-ETag",
        "SIP-If-Match", "Subject", "Subscription-State", "Supported", "Timestamp", "To", "Unsupported",
        "User-Agent", "Via", "Warning", "WWW-Authenticate",
    ]

    private static let canonicalByLowercased: [String: String] = {
        var table: [String: String] = [:]
        for name in known { table[SIPGrammar.asciiLowercased(name)] = name }
        return table
    }()

    /// Headers whose values are comma-separated lists (RFC 3261 §7.3.1): several fields may be combined into
    /// one and split back. Authentication headers, Date and unknown headers are never split.
    private static let listHeaders: Set<String> = [
        "Accept", "Accept-Contact", "Accept-Encoding", "Accept-Language", "Alert-Info", "Allow", "Allow-Events",
        "Call-Info", "Contact", "Content-Encoding", "Content-Language", "Error-Info", "History-Info",
        "In-Reply-To", "P-Asserted-Identity", "P-Preferred-Identity", "Path", "Proxy-Require", "Reason",
        "Record-Route", "Reject-Contact", "Request-Disposition", "Require", "Route", "Security-Client",
        "Security-Server", "Security-Verify", "Service-Route", "Supported", "Unsupported", "Via", "Warning",
    ]

    /// The canonical long form of `name` when it is a known header or compact form; otherwise `name` unchanged.
    static func canonical(_ name: String) -> String {
        let utf8 = name.utf8
        if utf8.count == 1, let byte = utf8.first, let long = compactForms[SIPGrammar.lowercased(byte)] {
            return long
        }
        return canonicalByLowercased[SIPGrammar.asciiLowercased(name)] ?? name
    }

    /// Whether a stored field name denotes the header whose canonical name is `canonicalName`.
    static func matches(_ storedName: String, canonical canonicalName: String) -> Bool {
        if storedName.utf8.count == 1 { return canonical(storedName) == canonicalName }
        return SIPGrammar.equalsIgnoringCase(storedName, canonicalName)
    }

    static func isList(_ canonicalName: String) -> Bool { listHeaders.contains(canonicalName) }

    /// Splits a list value at commas outside quoted strings and `<...>`, trimming each element.
    /// Empty elements are kept when `keepEmpty` (syntax checks need to see them) and dropped otherwise.
    static func splitList(_ value: String, keepEmpty: Bool = false) -> [String] {
        let bytes = Array(value.utf8)
        guard bytes.contains(UInt8(ascii: ",")) else {
            let element = SIPGrammar.trimmed(value)
            return element.isEmpty && !keepEmpty ? [] : [element]
        }
        var elements: [String] = []
        var start = 0
        var inQuotes = false
        var inAngle = false
        var index = 0
        func flush(_ end: Int) {
            let element = SIPGrammar.trimmed(String(decoding: bytes[start..<end], as: UTF8.self))
            if keepEmpty || !element.isEmpty { elements.append(element) }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if inQuotes {
                if byte == UInt8(ascii: "\\") {
                    index += 1
                } else if byte == UInt8(ascii: "\"") {
                    inQuotes = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inQuotes = true
            } else if byte == UInt8(ascii: "<") {
                inAngle = true
            } else if byte == UInt8(ascii: ">") {
                inAngle = false
            } else if byte == UInt8(ascii: ","), !inAngle {
                flush(index)
                start = index + 1
            }
            index += 1
        }
        flush(bytes.count)
        return elements
    }
}
