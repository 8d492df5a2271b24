// XML 1.0 (Fifth Edition) and Namespaces in XML 1.0, the subset a conference-info body needs:
//   document ::= BOM? XMLDecl? Misc* element Misc*        Misc ::= Comment | PI | S
//   element  ::= '<' Name (S Attribute)* S? ('/>' | '>' content '</' Name S? '>')
//   content  ::= (CharData | element | Reference | CDSect | PI | Comment)*
//   Reference::= '&lt;' | '&gt;' | '&amp;' | '&quot;' | '&apos;' | '&#' [0-9]+ ';' | '&#x' [0-9a-fA-F]+ ';'
// Refused: a document type declaration (so no entity can expand or reach outside the body), an encoding other than
// UTF-8, undeclared prefixes, duplicate attributes, and nesting deeper than `maximumDepth`.

/// Reads a UTF-8 XML document into a tree of ``XMLElementNode``. Never traps: bad input throws.
struct XMLTreeParser {
    /// How deep elements may nest; conference-info needs about eight levels.
    static let maximumDepth = 64
    static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"

    private let bytes: [UInt8]
    private var index = 0

    /// Parses `input` and returns its root element.
    static func parse(_ input: [UInt8]) throws -> XMLElementNode {
        var parser = XMLTreeParser(bytes: normalisedLineEnds(input))
        return try parser.document()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    // XML 1.0 §2.11: CR LF and lone CR become LF before parsing.
    private static func normalisedLineEnds(_ input: [UInt8]) -> [UInt8] {
        guard input.contains(0x0D) else { return input }
        var out = [UInt8]()
        out.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            if input[i] == 0x0D {
                out.append(0x0A)
                if i + 1 < input.count, input[i + 1] == 0x0A { i += 1 }
            } else {
                out.append(input[i])
            }
            i += 1
        }
        return out
    }

    private func fail(_ reason: String) -> ConferenceInfoError {
        ConferenceInfoError(.malformedXML, reason + " (at byte \(index))")
    }

    // MARK: Document

    private mutating func document() throws -> XMLElementNode {
        if starts(with: [0xEF, 0xBB, 0xBF]) { index += 3 }
        if starts(with: "<?xml"), bytes.count > index + 5, [0x20, 0x09, 0x0A].contains(bytes[index + 5]) {
            try declaration()
        }
        try misc()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "<") else { throw fail("no root element") }
        let root = try element(depth: 1, scope: ["xml": Self.xmlNamespace])
        try misc()
        guard index == bytes.count else { throw fail("content after the root element") }
        return root
    }

    private mutating func declaration() throws {
        guard let end = find("?>") else { throw fail("unterminated XML declaration") }
        let declaration = Array(bytes[index..<end])
        index = end + 2
        let key = Array("encoding".utf8)
        guard let at = (0...max(0, declaration.count - key.count)).first(where: {
            declaration.count >= $0 + key.count && declaration[$0..<($0 + key.count)].elementsEqual(key)
        }) else { return }
        let value = declaration[(at + key.count)...]
            .drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") }
            .prefix { $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "'") }
            .map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        guard value == Array("utf-8".utf8) || value == Array("utf8".utf8) else {
            throw fail("encoding other than UTF-8")
        }
    }

    private mutating func misc() throws {
        while true {
            skipSpace()
            if starts(with: "<!--") {
                try comment()
            } else if starts(with: "<!") {
                throw fail("document type declarations are not accepted")
            } else if starts(with: "<?") {
                try processingInstruction()
            } else {
                return
            }
        }
    }

    // MARK: Elements

    private mutating func element(depth: Int, scope: [String: String]) throws -> XMLElementNode {
        guard depth <= Self.maximumDepth else { throw fail("elements nested deeper than \(Self.maximumDepth)") }
        index += 1
        let qualifiedName = try name()
        var raw: [(name: String, value: String)] = []
        while true {
            let hadSpace = skipSpace()
            guard index < bytes.count else { throw fail("unterminated start tag <\(qualifiedName)>") }
            if bytes[index] == UInt8(ascii: ">") || starts(with: "/>") { break }
            guard hadSpace else { throw fail("attributes of <\(qualifiedName)> not separated by space") }
            let attributeName = try name()
            skipSpace()
            guard take("=") else { throw fail("attribute \(attributeName) without '='") }
            skipSpace()
            let value = try attributeValue()
            guard !raw.contains(where: { $0.name == attributeName }) else { throw fail("duplicate attribute \(attributeName)") }
            raw.append((attributeName, value))
        }
        var scope = scope
        for (attributeName, value) in raw {
            if attributeName == "xmlns" {
                scope[""] = value
            } else if attributeName.hasPrefix("xmlns:") {
                scope[String(attributeName.dropFirst(6))] = value
            }
        }
        let (prefix, localName) = split(qualifiedName)
        let namespace: String?
        if prefix.isEmpty {
            namespace = scope[""]
        } else {
            guard let uri = scope[prefix] else { throw fail("undeclared prefix \(prefix)") }
            namespace = uri
        }
        // xmlns="" takes the default namespace away again.
        var node = XMLElementNode(namespace: namespace == "" ? nil : namespace, name: localName)
        for (attributeName, value) in raw where attributeName != "xmlns" && !attributeName.hasPrefix("xmlns:") {
            let (attributePrefix, attributeLocal) = split(attributeName)
            var attributeNamespace: String? = nil
            if !attributePrefix.isEmpty {
                guard let uri = scope[attributePrefix] else { throw fail("undeclared prefix \(attributePrefix)") }
                attributeNamespace = uri
            }
            guard !node.attributes.contains(where: { $0.namespace == attributeNamespace && $0.name == attributeLocal }) else {
                throw fail("duplicate attribute \(attributeName)")
            }
            node.attributes.append(XMLAttributeNode(namespace: attributeNamespace, name: attributeLocal, value: value))
        }
        if take("/>") { return node }
        index += 1
        try content(of: &node, qualifiedName: qualifiedName, depth: depth, scope: scope)
        return node
    }

    private mutating func content(of node: inout XMLElementNode, qualifiedName: String, depth: Int, scope: [String: String]) throws {
        var text = [UInt8]()
        while true {
            guard index < bytes.count else { throw fail("<\(qualifiedName)> not closed") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "<") {
                if take("</") {
                    guard try name() == qualifiedName else { throw fail("end tag does not match <\(qualifiedName)>") }
                    skipSpace()
                    guard take(">") else { throw fail("unterminated end tag </\(qualifiedName)>") }
                    node.text = String(decoding: text, as: UTF8.self)
                    return
                } else if starts(with: "<!--") {
                    try comment()
                } else if take("<![CDATA[") {
                    guard let end = find("]]>") else { throw fail("unterminated CDATA section") }
                    text += bytes[index..<end]
                    index = end + 3
                } else if starts(with: "<?") {
                    try processingInstruction()
                } else if starts(with: "<!") {
                    throw fail("markup declaration inside an element")
                } else {
                    node.children.append(try element(depth: depth + 1, scope: scope))
                }
            } else if byte == UInt8(ascii: "&") {
                try reference(into: &text)
            } else {
                text.append(byte)
                index += 1
            }
        }
    }

    // MARK: Lexical pieces

    private mutating func attributeValue() throws -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
            throw fail("attribute value not quoted")
        }
        let quote = bytes[index]
        index += 1
        var value = [UInt8]()
        while true {
            guard index < bytes.count else { throw fail("unterminated attribute value") }
            let byte = bytes[index]
            if byte == quote { index += 1; break }
            if byte == UInt8(ascii: "<") { throw fail("'<' in an attribute value") }
            if byte == UInt8(ascii: "&") {
                try reference(into: &value)
            } else {
                value.append(byte == 0x09 || byte == 0x0A ? 0x20 : byte)
                index += 1
            }
        }
        return String(decoding: value, as: UTF8.self)
    }

    private mutating func reference(into out: inout [UInt8]) throws {
        guard let semicolon = bytes[index...].prefix(32).firstIndex(of: UInt8(ascii: ";")) else {
            throw fail("unterminated reference")
        }
        let body = String(decoding: bytes[(index + 1)..<semicolon], as: UTF8.self)
        let scalar: Unicode.Scalar?
        switch body {
        case "lt": scalar = "<"
        case "gt": scalar = ">"
        case "amp": scalar = "&"
        case "quot": scalar = "\""
        case "apos": scalar = "'"
        default:
            if body.hasPrefix("#x"), body.dropFirst(2).allSatisfy(\.isHexDigit), let value = UInt32(body.dropFirst(2), radix: 16) {
                scalar = Unicode.Scalar(value)
            } else if body.hasPrefix("#"), body.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }),
                      let value = UInt32(body.dropFirst()) {
                scalar = Unicode.Scalar(value)
            } else {
                throw fail("unknown entity &\(body);")
            }
        }
        guard let scalar, XMLWriter.isXMLChar(scalar) else { throw fail("reference to a character XML forbids") }
        out += Array(String(scalar).utf8)
        index = semicolon + 1
    }

    private mutating func name() throws -> String {
        let start = index
        while index < bytes.count {
            let b = bytes[index]
            let isStart = (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_") || b == UInt8(ascii: ":") || b >= 0x80
            let isLater = (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
            guard isStart || (index > start && isLater) else { break }
            index += 1
        }
        guard index > start else { throw fail("name expected") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func comment() throws {
        guard let end = find("-->", from: index + 4) else { throw fail("unterminated comment") }
        index = end + 3
    }

    private mutating func processingInstruction() throws {
        guard let end = find("?>") else { throw fail("unterminated processing instruction") }
        index = end + 2
    }

    @discardableResult
    private mutating func skipSpace() -> Bool {
        let start = index
        while index < bytes.count, [0x20, 0x09, 0x0A].contains(bytes[index]) { index += 1 }
        return index > start
    }

    private func starts(with prefix: String) -> Bool { starts(with: Array(prefix.utf8)) }

    private func starts(with prefix: [UInt8]) -> Bool {
        bytes.count - index >= prefix.count && bytes[index..<(index + prefix.count)].elementsEqual(prefix)
    }

    private mutating func take(_ prefix: String) -> Bool {
        guard starts(with: prefix) else { return false }
        index += prefix.utf8.count
        return true
    }

    private func find(_ needle: String, from start: Int? = nil) -> Int? {
        let pattern = Array(needle.utf8)
        var i = start ?? index
        while i + pattern.count <= bytes.count {
            if bytes[i] == pattern[0], bytes[i..<(i + pattern.count)].elementsEqual(pattern) { return i }
            i += 1
        }
        return nil
    }

    private func split(_ qualifiedName: String) -> (prefix: String, local: String) {
        guard let colon = qualifiedName.firstIndex(of: ":") else { return ("", qualifiedName) }
        return (String(qualifiedName[..<colon]), String(qualifiedName[qualifiedName.index(after: colon)...]))
    }
}
