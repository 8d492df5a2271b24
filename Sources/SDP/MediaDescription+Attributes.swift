/// Typed views of an m= section's a= lines. Values that do not parse are skipped, never trapped on.
extension MediaDescription {
    /// The values of every a= line with this name, in order (a property attribute gives "").
    public func attributeValues(_ name: String) -> [String] {
        attributes.compactMap { $0.name == name ? ($0.value ?? "") : nil }
    }

    /// The first a= line with this name.
    public func attribute(_ name: String) -> SDPAttribute? {
        attributes.first { $0.name == name }
    }

    /// Whether a property (or any) a= line with this name is present.
    public func hasAttribute(_ name: String) -> Bool { attribute(name) != nil }

    /// a=rtpmap lines (RFC 8866 §6.6).
    public var rtpMaps: [SDPRTPMap] { attributeValues("rtpmap").compactMap { try? SDPRTPMap(parsing: $0) } }

    /// The encoding of a payload type: its rtpmap, else the RFC 3551 static assignment, else nil.
    public func rtpMap(_ payloadType: Int) -> SDPRTPMap? {
        rtpMaps.first { $0.payloadType == payloadType } ?? SDPRTPMap.staticPayloadType(payloadType)
    }

    /// The text after "a=fmtp:<payloadType> " (RFC 8866 §6.15), or nil.
    public func formatParameters(_ payloadType: Int) -> String? {
        for value in attributeValues("fmtp") {
            let (format, parameters) = SDPText.firstField(Substring(value))
            if SDPText.integer(format, in: 0...127) == payloadType { return String(parameters) }
        }
        return nil
    }

    /// The fmtp of a payload type as `key=value;...` pairs with lower-cased keys, both trimmed.
    /// A part without "=" (e.g. telephone-event's "0-16") becomes a key with an empty value.
    public func fmtpParameters(_ payloadType: Int) -> [String: String] {
        guard let text = formatParameters(payloadType) else { return [:] }
        return SDPFormatParameters.parse(text)
    }

    /// The section's own direction attribute, or nil (see ``SessionDescription/direction(of:)``).
    public var explicitDirection: SDPDirection? { SDPDirection.first(in: attributes) }

    /// The section's direction: its own attribute, or sendrecv. Use ``SessionDescription/direction(of:)``
    /// to take a session-level attribute into account.
    public var direction: SDPDirection {
        get { explicitDirection ?? .sendrecv }
        set {
            attributes.removeAll { $0.value == nil && SDPDirection(rawValue: $0.name) != nil }
            attributes.append(SDPAttribute(name: newValue.rawValue))
        }
    }

    /// a=ptime in milliseconds.
    public var ptime: Int? { attribute("ptime")?.value.flatMap { SDPText.integer($0, in: 1...100_000) } }
    /// a=maxptime in milliseconds.
    public var maxptime: Int? { attribute("maxptime")?.value.flatMap { SDPText.integer($0, in: 1...100_000) } }

    /// a=rtcp (RFC 3605): the RTCP port and, when given, its address.
    public var rtcp: (port: Int, connection: SDPConnection?)? {
        guard let value = attribute("rtcp")?.value, let parsed = try? Self.parseRTCP(value) else { return nil }
        return parsed
    }

    /// Whether a=rtcp-mux is present (RFC 5761).
    public var rtcpMux: Bool { hasAttribute("rtcp-mux") }

    /// a=rtcp-fb lines (RFC 4585).
    public var rtcpFeedback: [SDPRTCPFeedback] {
        attributeValues("rtcp-fb").compactMap { try? SDPRTCPFeedback(parsing: $0) }
    }

    /// a=extmap lines (RFC 8285).
    public var extensionMaps: [SDPExtensionMap] {
        attributeValues("extmap").compactMap { try? SDPExtensionMap(parsing: $0) }
    }

    /// a=crypto lines (RFC 4568) that parse; malformed ones are ignored as RFC 4568 §5.1.1 asks.
    public var cryptos: [SDPCrypto] { attributeValues("crypto").compactMap { try? SDPCrypto(parsing: $0) } }

    /// a=ssrc lines (RFC 5576).
    public var ssrcs: [SDPSSRC] { attributeValues("ssrc").compactMap { try? SDPSSRC(parsing: $0) } }

    /// a=mid (RFC 5888).
    public var mid: String? { attribute("mid")?.value }

    /// Whether the section uses DTLS-SRTP: a=fingerprint or a=setup, or a UDP/TLS or TCP/TLS proto (RFC 5763).
    /// See ``SessionDescription/isDTLS(_:)`` for session-level fingerprints.
    public var isDTLS: Bool {
        hasAttribute("fingerprint") || hasAttribute("setup") || proto.hasPrefix("UDP/TLS/") || proto.hasPrefix("TCP/TLS/")
    }

    /// Parses the value of a=rtcp: `<port> [<nettype> <addrtype> <address>]`.
    static func parseRTCP(_ value: String) throws(SDPError) -> (port: Int, connection: SDPConnection?) {
        let (portText, rest) = SDPText.firstField(Substring(value))
        guard let port = SDPText.integer(portText, in: 0...65535) else {
            throw SDPError(.malformed, "a=rtcp port \(SDPText.quote(portText)) is not a number 0-65535")
        }
        guard !rest.isEmpty else { return (port, nil) }
        let fields = SDPText.fields(rest)
        guard fields.count == 3 else {
            throw SDPError(.malformed, "a=rtcp address \(SDPText.quote(rest)) is not IN IP4|IP6 <address>")
        }
        return (port, SDPConnection(networkType: String(fields[0]), addressType: String(fields[1]), address: String(fields[2])))
    }
}

/// The `key=value;key=value` format parameters used by Opus, H.264 and most codecs.
enum SDPFormatParameters {
    static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for part in text.split(separator: ";") {
            let item = SDPText.trim(part)
            guard !item.isEmpty else { continue }
            if let equals = item.firstIndex(of: "=") {
                let key = SDPText.trim(item[..<equals]).lowercased()
                if result[key] == nil { result[key] = String(SDPText.trim(item[item.index(after: equals)...])) }
            } else if result[item.lowercased()] == nil {
                result[item.lowercased()] = ""
            }
        }
        return result
    }
}
