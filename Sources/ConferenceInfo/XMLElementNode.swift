/// An element of a parsed XML document, its names resolved against the namespace declarations in scope
/// (Namespaces in XML 1.0 §6).
struct XMLElementNode: Equatable {
    /// The element's namespace URI, or nil when it has none.
    var namespace: String?
    /// The element's local name (without prefix).
    var name: String
    /// The attributes, in document order, namespace declarations left out.
    var attributes: [XMLAttributeNode] = []
    /// The child elements, in document order.
    var children: [XMLElementNode] = []
    /// The character data directly inside the element (text and CDATA sections, references resolved), concatenated.
    var text = ""

    /// The value of the unqualified attribute `name`.
    func attribute(_ name: String) -> String? {
        attributes.first { $0.namespace == nil && $0.name == name }?.value
    }

    /// The children called `name` in `namespace`.
    func children(_ name: String, in namespace: String?) -> [XMLElementNode] {
        children.filter { $0.name == name && $0.namespace == namespace }
    }

    /// The first child called `name` in `namespace`.
    func child(_ name: String, in namespace: String?) -> XMLElementNode? {
        children.first { $0.name == name && $0.namespace == namespace }
    }
}

/// One attribute of an element.
struct XMLAttributeNode: Equatable {
    /// The attribute's namespace URI: nil for an unprefixed attribute (attributes take no default namespace).
    var namespace: String?
    /// The local name.
    var name: String
    /// The value, references resolved and whitespace normalised (XML 1.0 §3.3.3).
    var value: String
}
