/// Small text helpers for the SDP grammar: bounded decimal numbers and whitespace-separated fields.
/// No Foundation; every helper accepts any input without trapping.
enum SDPText {
    /// A decimal number of ASCII digits only (no sign, no spaces) within `range`, or nil.
    /// The arithmetic is overflow-checked: 19 digits can exceed `Int.max` (a fuzz finding).
    static func integer<S: StringProtocol>(_ text: S, in range: ClosedRange<Int>) -> Int? {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= 20 else { return nil }
        var value = 0
        for byte in utf8 {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - 0x30))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return range.contains(value) ? value : nil
    }

    /// A decimal number of ASCII digits only that fits a `UInt64`, or nil.
    static func unsigned64<S: StringProtocol>(_ text: S) -> UInt64? {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in utf8 {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - 0x30))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }

    /// The fields of a value separated by runs of spaces or tabs.
    static func fields<S: StringProtocol>(_ text: S) -> [Substring] where S.SubSequence == Substring {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" })
    }

    /// The value split once at the first run of spaces: the first field and the (trimmed) rest, which may be empty.
    static func firstField(_ text: Substring) -> (first: Substring, rest: Substring) {
        let trimmed = trim(text)
        guard let space = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return (trimmed, trimmed[trimmed.endIndex...]) }
        return (trimmed[..<space], trim(trimmed[space...]))
    }

    /// The text without leading and trailing spaces and tabs.
    static func trim(_ text: Substring) -> Substring {
        var start = text.startIndex
        var end = text.endIndex
        while start < end, text[start] == " " || text[start] == "\t" { start = text.index(after: start) }
        while end > start {
            let before = text.index(before: end)
            guard text[before] == " " || text[before] == "\t" else { break }
            end = before
        }
        return text[start..<end]
    }

    /// A snippet of untrusted text for an error reason: at most 40 characters, quoted.
    static func quote<S: StringProtocol>(_ text: S) -> String {
        let clipped = text.count > 40 ? String(text.prefix(40)) + "…" : String(text)
        return "'" + clipped + "'"
    }
}
