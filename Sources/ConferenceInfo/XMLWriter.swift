// XML 1.0 (Fifth Edition) §2.2 (Char), §2.4 (character data), §3.3.3 (attribute-value normalisation).
// Text and attribute values escape all five of & < > " ' so neither can end a value or open markup, whatever a
// display name holds. Characters XML 1.0 forbids even as references (C0 controls other than tab, LF and CR;
// U+FFFE, U+FFFF) become U+FFFD. In attributes, tab, LF and CR are written as references, and CR in text too, so a
// reader's normalisation gives back the same string.

/// Builds an indented XML document element by element, escaping every value.
struct XMLWriter {
    /// The document so far.
    private(set) var text = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
    private var depth = 0

    /// `<name attributes…>` on its own line; attributes whose value is nil are left out.
    mutating func open(_ name: String, _ attributes: [(String, String?)] = []) {
        text += indent + "<" + name + Self.attributes(attributes) + ">\n"
        depth += 1
    }

    /// `</name>` on its own line.
    mutating func close(_ name: String) {
        depth -= 1
        text += indent + "</" + name + ">\n"
    }

    /// `<name attributes…/>`.
    mutating func empty(_ name: String, _ attributes: [(String, String?)] = []) {
        text += indent + "<" + name + Self.attributes(attributes) + "/>\n"
    }

    /// `<name>value</name>` when `value` is not nil.
    mutating func leaf(_ name: String, _ value: String?) {
        guard let value else { return }
        text += indent + "<" + name + ">" + Self.escape(value, inAttribute: false) + "</" + name + ">\n"
    }

    private var indent: String { String(repeating: "  ", count: depth) }

    private static func attributes(_ attributes: [(String, String?)]) -> String {
        var out = ""
        for (name, value) in attributes {
            guard let value else { continue }
            out += " " + name + "=\"" + escape(value, inAttribute: true) + "\""
        }
        return out
    }

    /// `value` with markup characters replaced by references and characters XML cannot carry by U+FFFD.
    static func escape(_ value: String, inAttribute: Bool) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\r": out += "&#13;"
            case "\t" where inAttribute: out += "&#9;"
            case "\n" where inAttribute: out += "&#10;"
            default: out.unicodeScalars.append(isXMLChar(scalar) ? scalar : "\u{FFFD}")
            }
        }
        return out
    }

    /// Whether XML 1.0 allows `scalar` in a document (production [2] Char).
    static func isXMLChar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}
