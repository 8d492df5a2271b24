// The byte-level parser behind SIPURI.init(_:) (grammar in SIPURI.swift), plus the RFC 3986 absolute-URI
// shape (`scheme ":" 1*char`) used to tell an unsupported scheme (416) from a malformed URI (400).

enum SIPURIParser {
    static func isUserCharacter(_ byte: UInt8) -> Bool {
        if SIPGrammar.isUnreserved(byte) { return true }
        switch byte {
        case UInt8(ascii: "&"), UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "$"), UInt8(ascii: ","),
             UInt8(ascii: ";"), UInt8(ascii: "?"), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }

    static func isPasswordCharacter(_ byte: UInt8) -> Bool {
        if SIPGrammar.isUnreserved(byte) { return true }
        switch byte {
        case UInt8(ascii: "&"), UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "$"), UInt8(ascii: ","):
            return true
        default:
            return false
        }
    }

    static func isParamCharacter(_ byte: UInt8) -> Bool {
        if SIPGrammar.isUnreserved(byte) { return true }
        switch byte {
        case UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: "&"),
             UInt8(ascii: "+"), UInt8(ascii: "$"):
            return true
        default:
            return false
        }
    }

    static func isHeaderCharacter(_ byte: UInt8) -> Bool {
        if SIPGrammar.isUnreserved(byte) { return true }
        switch byte {
        case UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: ":"),
             UInt8(ascii: "+"), UInt8(ascii: "$"):
            return true
        default:
            return false
        }
    }

    private static func isHostCharacter(_ byte: UInt8) -> Bool {
        SIPGrammar.isAlphaNumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "_")
    }

    private static func isIPv6Character(_ byte: UInt8) -> Bool {
        SIPGrammar.hexValue(byte) != nil || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".")
    }

    /// Whether `text` has the shape `scheme ":" 1*(visible ASCII except <>")`, whatever the scheme.
    static func isAbsoluteURI(_ text: some StringProtocol) -> Bool {
        let bytes = Array(text.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0, colon + 1 < bytes.count else {
            return false
        }
        guard let first = bytes.first, SIPGrammar.isAlphaNumeric(first), !SIPGrammar.isDigit(first) else {
            return false
        }
        let schemeOK = bytes[..<colon].allSatisfy {
            SIPGrammar.isAlphaNumeric($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-")
                || $0 == UInt8(ascii: ".")
        }
        return schemeOK && bytes[(colon + 1)...].allSatisfy {
            $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">")
                && $0 != UInt8(ascii: "\"")
        }
    }

    static func parse(_ bytes: [UInt8]) -> SIPURI? {
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
              let scheme = SIPURIScheme(rawValue: SIPGrammar.asciiLowercased(String(decoding: bytes[..<colon], as: UTF8.self))),
              bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        var uri = SIPURI(scheme: scheme, host: "")
        var index = colon + 1
        if scheme == .tel {
            let end = bytes[index...].firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
            let number = bytes[index..<end]
            guard !number.isEmpty, number.allSatisfy({ isParamCharacter($0) || $0 == UInt8(ascii: "%") }),
                  let decoded = SIPGrammar.percentDecoded(number) else { return nil }
            uri.user = decoded
            index = end
        } else {
            if let at = bytes[index...].firstIndex(of: UInt8(ascii: "@")) {
                let userinfo = bytes[index..<at]
                let passwordColon = userinfo.firstIndex(of: UInt8(ascii: ":"))
                let userBytes = userinfo[..<(passwordColon ?? at)]
                guard !userBytes.isEmpty, userBytes.allSatisfy({ isUserCharacter($0) || $0 == UInt8(ascii: "%") }),
                      let user = SIPGrammar.percentDecoded(userBytes) else { return nil }
                uri.user = user
                if let passwordColon {
                    let passwordBytes = userinfo[(passwordColon + 1)...]
                    guard passwordBytes.allSatisfy({ isPasswordCharacter($0) || $0 == UInt8(ascii: "%") }),
                          let password = SIPGrammar.percentDecoded(passwordBytes) else { return nil }
                    uri.password = password
                }
                index = at + 1
            }
            guard let hostEnd = hostEnd(bytes, from: index) else { return nil }
            uri.host = SIPGrammar.asciiLowercased(String(decoding: bytes[index..<hostEnd], as: UTF8.self))
            index = hostEnd
            if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
                let start = index + 1
                index = start
                while index < bytes.count, SIPGrammar.isDigit(bytes[index]) { index += 1 }
                guard let port = SIPGrammar.decimal(bytes[start..<index], as: UInt16.self) else { return nil }
                uri.port = Int(port)
            }
        }
        while index < bytes.count, bytes[index] == UInt8(ascii: ";") {
            guard let (parameter, next) = component(bytes, from: index + 1, allowed: isParamCharacter, isHeader: false)
            else { return nil }
            uri.parameters.append(parameter)
            index = next
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "?"), scheme != .tel {
            repeat {
                guard let (header, next) = component(bytes, from: index + 1, allowed: isHeaderCharacter, isHeader: true)
                else { return nil }
                uri.headers.append(header)
                index = next
            } while index < bytes.count && bytes[index] == UInt8(ascii: "&")
        }
        return index == bytes.count ? uri : nil
    }

    /// The end of `host` starting at `start`: an IPv6 reference in brackets or a hostname / IPv4 address.
    private static func hostEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        if bytes[start] == UInt8(ascii: "[") {
            guard let close = bytes[start...].firstIndex(of: UInt8(ascii: "]")), close > start + 2 else { return nil }
            let inner = bytes[(start + 1)..<close]
            guard inner.allSatisfy(isIPv6Character), inner.contains(UInt8(ascii: ":")) else { return nil }
            return close + 1
        }
        var index = start
        while index < bytes.count, isHostCharacter(bytes[index]) { index += 1 }
        return index > start ? index : nil
    }

    /// Reads `name [ "=" value ]` (escaped, characters per `allowed`) up to the next delimiter. A URI parameter's
    /// value is optional but never empty (pvalue = 1*paramchar); a header's value is required but may be empty.
    private static func component(
        _ bytes: [UInt8], from start: Int, allowed: (UInt8) -> Bool, isHeader: Bool
    ) -> (SIPParameter, Int)? {
        func isPart(_ byte: UInt8) -> Bool { allowed(byte) || byte == UInt8(ascii: "%") }
        var index = start
        while index < bytes.count, isPart(bytes[index]) { index += 1 }
        guard index > start, let name = SIPGrammar.percentDecoded(bytes[start..<index]) else { return nil }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
            return isHeader ? nil : (SIPParameter(name: name, value: nil), index)
        }
        let valueStart = index + 1
        index = valueStart
        while index < bytes.count, isPart(bytes[index]) { index += 1 }
        guard isHeader || index > valueStart, let value = SIPGrammar.percentDecoded(bytes[valueStart..<index]) else {
            return nil
        }
        return (SIPParameter(name: name, value: value), index)
    }
}
