/// The RFC 8866 §5 parser: text or UTF-8 bytes in, a ``SessionDescription`` or an ``SDPError`` with the
/// line and a reason out. It never traps: every number is bounded, every index checked.
extension SessionDescription {
    /// Limits a body must stay within; SIP bodies in practice are a few kilobytes.
    public enum Limits {
        /// The largest body accepted, in bytes.
        public static let maximumBytes = 65_536
        /// The most lines accepted.
        public static let maximumLines = 2_000
        /// The most m= sections accepted.
        public static let maximumMedia = 64
    }

    /// Parses UTF-8 bytes; CRLF, LF or CR line endings are accepted.
    public init(parsing bytes: [UInt8]) throws(SDPError) {
        guard bytes.count <= Limits.maximumBytes else {
            throw SDPError(.tooLarge, "SDP body of \(bytes.count) bytes exceeds the limit of \(Limits.maximumBytes)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SDPError(.malformed, "SDP body is not valid UTF-8 text")
        }
        try self.init(parsing: text)
    }

    /// Parses text; CRLF, LF or CR line endings are accepted.
    public init(parsing text: String) throws(SDPError) {
        var parser = SDPParser()
        self = try parser.parse(text)
    }
}

/// One pass over the lines, session section first, then each m= section.
struct SDPParser {
    private var version: Int?
    private var origin: SDPOrigin?
    private var sessionName: String?
    private var connection: SDPConnection?
    private var bandwidths: [SDPBandwidth] = []
    private var timing: [String] = []
    private var attributes: [SDPAttribute] = []
    private var otherLines: [SDPLine] = []
    private var media: [MediaDescription] = []

    mutating func parse(_ text: String) throws(SDPError) -> SessionDescription {
        guard text.utf8.count <= SessionDescription.Limits.maximumBytes else {
            throw SDPError(.tooLarge, "SDP body of \(text.utf8.count) bytes exceeds the limit of \(SessionDescription.Limits.maximumBytes)")
        }
        var lineCount = 0
        for (number, line) in Self.lines(of: text) {
            let content = SDPText.trim(line)
            if content.isEmpty { continue }
            lineCount += 1
            guard lineCount <= SessionDescription.Limits.maximumLines else {
                throw SDPError(.tooLarge, "SDP body has more than \(SessionDescription.Limits.maximumLines) lines", line: number)
            }
            try handle(content, number: number)
        }
        guard version != nil else { throw SDPError(.malformed, "SDP body is empty (no v=0 line)") }
        guard let origin else { throw SDPError(.malformed, "SDP has no o= line (RFC 8866 §5.2 requires one)") }
        guard let sessionName else { throw SDPError(.malformed, "SDP has no s= line (RFC 8866 §5.3 requires one)") }
        return SessionDescription(
            version: 0, origin: origin, sessionName: sessionName, connection: connection, bandwidths: bandwidths,
            timing: timing.isEmpty ? ["0 0"] : timing, attributes: attributes,
            media: media.map { section in
                var section = section
                section.otherLines = Self.ordered(section.otherLines)
                return section
            },
            otherLines: Self.ordered(otherLines))
    }

    private mutating func handle(_ content: Substring, number: Int) throws(SDPError) {
        let utf8 = content.utf8
        guard let typeByte = utf8.first, utf8.count >= 2,
              typeByte >= UInt8(ascii: "a"), typeByte <= UInt8(ascii: "z"),
              utf8[utf8.index(after: utf8.startIndex)] == UInt8(ascii: "=")
        else {
            throw .malformed("expected <letter>=<value>, got \(SDPText.quote(content))", line: number)
        }
        if let control = utf8.first(where: { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F }) {
            throw .malformed("contains the control character 0x\(String(control, radix: 16))", line: number)
        }
        let type = Character(Unicode.Scalar(typeByte))
        let value = content.dropFirst(2)
        guard version != nil || type == "v" else {
            throw .malformed("the first line must be v=0, got \(SDPText.quote(content))", line: number)
        }
        let inMedia = !media.isEmpty
        switch type {
        case "v":
            guard version == nil else {
                throw .malformed("a second v= line (one body carries one session description)", line: number)
            }
            guard value == "0" else { throw .malformed("v=\(value) is not supported; only v=0 exists (RFC 8866 §5.1)", line: number) }
            version = 0
        case "o":
            guard origin == nil, !inMedia else { throw .malformed("a second o= line", line: number) }
            origin = try SDPOrigin(parsing: value, line: number)
        case "s":
            guard sessionName == nil, !inMedia else { throw .malformed("a second s= line", line: number) }
            sessionName = String(value)
        case "t":
            guard !inMedia else { throw .malformed("t= belongs before the first m= line", line: number) }
            timing.append(String(value))
        case "m":
            guard media.count < SessionDescription.Limits.maximumMedia else {
                throw SDPError(.tooLarge, "SDP has more than \(SessionDescription.Limits.maximumMedia) m= lines", line: number)
            }
            media.append(try MediaDescription(parsingMediaLine: value, index: media.count + 1, line: number))
        case "c":
            let parsed = try SDPConnection(parsing: value, line: number)
            if inMedia {
                if media[media.count - 1].connection == nil {
                    media[media.count - 1].connection = parsed
                } else {
                    media[media.count - 1].otherLines.append(SDPLine(type: "c", value: String(value)))
                }
            } else {
                guard connection == nil else { throw .malformed("a second session-level c= line", line: number) }
                connection = parsed
            }
        case "b":
            let parsed = try SDPBandwidth(parsing: value, line: number)
            if inMedia { media[media.count - 1].bandwidths.append(parsed) } else { bandwidths.append(parsed) }
        case "a":
            let attribute = SDPAttribute(parsing: value)
            if inMedia {
                try Self.validate(attribute, mediaIndex: media.count, line: number)
                media[media.count - 1].attributes.append(attribute)
            } else {
                attributes.append(attribute)
            }
        default:
            let line = SDPLine(type: type, value: String(value))
            if inMedia { media[media.count - 1].otherLines.append(line) } else { otherLines.append(line) }
        }
    }

    /// Media attributes whose misreading would send to the wrong place must parse. A malformed rtpmap or extmap is
    /// kept but ignored by the typed views (its format or extension is then simply unknown), so one sloppy line in a
    /// video section cannot cost a caller the whole call (RFC 4475's longreq and esc01 carry `a=rtpmap:31 LPC`).
    private static func validate(_ attribute: SDPAttribute, mediaIndex: Int, line: Int) throws(SDPError) {
        guard let value = attribute.value else { return }
        do throws(SDPError) {
            switch attribute.name {
            case "rtcp": _ = try MediaDescription.parseRTCP(value)
            default: return
            }
        } catch {
            throw SDPError(.malformed, "line \(line) (m= line \(mediaIndex)): \(error.reason)", line: line)
        }
    }

    /// Other lines in their RFC 8866 slots, keeping the order within a slot, so that a parsed
    /// description serialises and parses back to itself.
    private static func ordered(_ lines: [SDPLine]) -> [SDPLine] {
        (0...3).flatMap { slot in lines.filter { $0.slot == slot } }
    }

    /// The lines with their 1-based numbers; CRLF, LF and lone CR all end a line.
    private static func lines(of text: String) -> [(Int, Substring)] {
        var result: [(Int, Substring)] = []
        var number = 0
        var start = text.utf8.startIndex
        var index = start
        let end = text.utf8.endIndex
        while index < end {
            let byte = text.utf8[index]
            if byte == 0x0A || byte == 0x0D {
                number += 1
                result.append((number, Substring(text.utf8[start..<index])))
                var next = text.utf8.index(after: index)
                if byte == 0x0D, next < end, text.utf8[next] == 0x0A { next = text.utf8.index(after: next) }
                start = next
                index = next
            } else {
                index = text.utf8.index(after: index)
            }
        }
        if start < end { result.append((number + 1, Substring(text.utf8[start..<end]))) }
        return result
    }
}
