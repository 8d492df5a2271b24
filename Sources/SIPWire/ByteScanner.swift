// A cursor over the bytes of one unfolded header value (RFC 3261 §7.3.1: after unfolding only SP / HTAB
// remain as white space), with the quoted-string rule of §25.1:
//
//   quoted-string  =  SWS DQUOTE *(qdtext / quoted-pair ) DQUOTE
//   qdtext         =  LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII
//   quoted-pair    =  "\" (%x00-09 / %x0B-0C / %x0E-7F)

/// Reads tokens, separators and quoted strings from header bytes; every read is bounds-checked.
struct ByteScanner {
    let bytes: [UInt8]
    var index: Int = 0

    init(_ text: some StringProtocol) { bytes = Array(text.utf8) }

    var isAtEnd: Bool { index >= bytes.count }
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while index < bytes.count, SIPGrammar.isWhitespace(bytes[index]) { index += 1 }
    }

    /// Consumes `byte` (with white space around it when `spaced`), restoring the position when absent.
    mutating func consume(_ byte: UInt8, spaced: Bool = false) -> Bool {
        let start = index
        if spaced { skipWhitespace() }
        if index < bytes.count, bytes[index] == byte {
            index += 1
            if spaced { skipWhitespace() }
            return true
        }
        index = start
        return false
    }

    mutating func scan(while predicate: (UInt8) -> Bool) -> ArraySlice<UInt8> {
        let start = index
        while index < bytes.count, predicate(bytes[index]) { index += 1 }
        return bytes[start..<index]
    }

    mutating func token() -> String? {
        let slice = scan(while: SIPGrammar.isTokenCharacter)
        return slice.isEmpty ? nil : String(decoding: slice, as: UTF8.self)
    }

    /// Reads a quoted-string at the cursor and returns its content with quoted-pairs resolved
    /// (nil, cursor unmoved, when it is unterminated or holds a bare control character).
    mutating func quotedString() -> String? {
        guard let raw = quotedStringContent() else { return nil }
        return String(decoding: ByteScanner.unescapeQuoted(raw), as: UTF8.self)
    }

    /// Reads a quoted-string at the cursor and returns it as written, quotes included.
    mutating func rawQuotedString() -> String? {
        let start = index
        guard quotedStringContent() != nil else { return nil }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func quotedStringContent() -> ArraySlice<UInt8>? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        let start = index
        var cursor = index + 1
        while cursor < bytes.count {
            let byte = bytes[cursor]
            if byte == UInt8(ascii: "\\") {
                guard cursor + 1 < bytes.count else { break }
                let escaped = bytes[cursor + 1]
                guard escaped != 0x0A, escaped != 0x0D, escaped < 0x80 else { break }
                cursor += 2
            } else if byte == UInt8(ascii: "\"") {
                index = cursor + 1
                return bytes[(start + 1)..<cursor]
            } else if byte == 0x0D || byte == 0x0A || (byte < 0x20 && byte != 0x09) || byte == 0x7F {
                break
            } else {
                cursor += 1
            }
        }
        index = start
        return nil
    }

    static func unescapeQuoted(_ raw: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(raw.count)
        var escaping = false
        for byte in raw {
            if escaping {
                output.append(byte)
                escaping = false
            } else if byte == UInt8(ascii: "\\") {
                escaping = true
            } else {
                output.append(byte)
            }
        }
        return output
    }

    func string(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
}
