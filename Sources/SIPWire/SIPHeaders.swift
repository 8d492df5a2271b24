// RFC 3261 §7.3: message-header = field-name ":" [ field-value ] CRLF. The relative order of fields with the
// same name is significant (§7.3.1); several fields of a list header are equivalent to one comma-separated field.

/// One header field: the name in canonical long form (unknown names as received), the value unfolded and trimmed.
public struct SIPHeaderField: Sendable, Equatable {
    /// Canonical long form (`Via`, `Call-ID`, `CSeq`, `WWW-Authenticate`, ...) or the name as received.
    public var name: String
    /// The value, unfolded (continuation lines joined with one SP) and trimmed.
    public var value: String

    /// A field; `name` is kept as given (use `SIPHeaders.add` to canonicalise compact forms).
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The ordered header fields of a message. Lookups are case-insensitive and accept compact forms (`v` = `Via`).
public struct SIPHeaders: Sendable, Equatable, Sequence {
    /// The fields in wire order.
    public var fields: [SIPHeaderField]

    /// No fields.
    public init() { fields = [] }

    /// These fields, in this order.
    public init(_ fields: [SIPHeaderField]) { self.fields = fields }

    public func makeIterator() -> IndexingIterator<[SIPHeaderField]> { fields.makeIterator() }

    /// The first value of `name`: for list headers the first element of the first field, otherwise the first field.
    public subscript(_ name: String) -> String? {
        let canonical = SIPHeaderName.canonical(name)
        guard let field = fields.first(where: { SIPHeaderName.matches($0.name, canonical: canonical) }) else {
            return nil
        }
        if SIPHeaderName.isList(canonical) { return SIPHeaderName.splitList(field.value).first }
        return field.value
    }

    /// Every value of `name` in order; list headers split at top-level commas, empty elements dropped.
    public func values(_ name: String) -> [String] {
        let canonical = SIPHeaderName.canonical(name)
        let isList = SIPHeaderName.isList(canonical)
        var result: [String] = []
        for field in fields where SIPHeaderName.matches(field.name, canonical: canonical) {
            if isList {
                result.append(contentsOf: SIPHeaderName.splitList(field.value))
            } else {
                result.append(field.value)
            }
        }
        return result
    }

    /// The number of fields named `name` (not split into list elements).
    public func fieldCount(_ name: String) -> Int {
        let canonical = SIPHeaderName.canonical(name)
        return fields.reduce(0) { $0 + (SIPHeaderName.matches($1.name, canonical: canonical) ? 1 : 0) }
    }

    /// Appends a field; a compact or differently-cased known name is stored in canonical form.
    public mutating func add(_ name: String, _ value: String) {
        fields.append(SIPHeaderField(name: SIPHeaderName.canonical(name), value: value))
    }

    /// Replaces every field named `name` with one field at the position of the first (or at the end).
    public mutating func set(_ name: String, _ value: String) {
        let canonical = SIPHeaderName.canonical(name)
        let field = SIPHeaderField(name: canonical, value: value)
        if let first = fields.firstIndex(where: { SIPHeaderName.matches($0.name, canonical: canonical) }) {
            fields[first] = field
            var index = fields.count - 1
            while index > first {
                if SIPHeaderName.matches(fields[index].name, canonical: canonical) { fields.remove(at: index) }
                index -= 1
            }
        } else {
            fields.append(field)
        }
    }

    /// Removes every field named `name`.
    public mutating func remove(_ name: String) {
        let canonical = SIPHeaderName.canonical(name)
        fields.removeAll { SIPHeaderName.matches($0.name, canonical: canonical) }
    }

    /// Inserts a field before all others (a proxy or UAC prepending its Via).
    public mutating func insertFirst(_ name: String, _ value: String) {
        fields.insert(SIPHeaderField(name: SIPHeaderName.canonical(name), value: value), at: 0)
    }

    /// Whether any field is named `name`.
    public func contains(_ name: String) -> Bool {
        let canonical = SIPHeaderName.canonical(name)
        return fields.contains { SIPHeaderName.matches($0.name, canonical: canonical) }
    }
}
