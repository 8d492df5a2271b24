/// Typed values of the media-level attributes Consort negotiates. Each parses the text after "a=<name>:"
/// and throws an ``SDPError`` whose reason names the attribute; the accessors on ``MediaDescription``
/// skip values that do not parse.

/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]` (RFC 8866 §6.6).
public struct SDPRTPMap: Sendable, Equatable {
    /// The payload type, 0-127.
    public var payloadType: Int
    /// The encoding name as written, e.g. "opus", "PCMU", "telephone-event", "VP8", "H264".
    public var encodingName: String
    /// The RTP clock rate in Hz.
    public var clockRate: Int
    /// The channel count for audio, when given.
    public var channels: Int?

    /// Makes an rtpmap.
    public init(payloadType: Int, encodingName: String, clockRate: Int, channels: Int? = nil) {
        self.payloadType = payloadType
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.channels = channels
    }

    /// Parses the value after "a=rtpmap:".
    public init(parsing value: String) throws(SDPError) {
        let (ptText, rest) = SDPText.firstField(Substring(value))
        guard let payloadType = SDPText.integer(ptText, in: 0...127) else {
            throw SDPError(.malformed, "a=rtpmap payload type \(SDPText.quote(ptText)) is not a number 0-127")
        }
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, !parts[0].isEmpty, !rest.contains(" ") else {
            throw SDPError(.malformed, "a=rtpmap:\(payloadType) \(SDPText.quote(rest)) is not <encoding>/<clock rate>[/<channels>]")
        }
        guard let clock = SDPText.integer(parts[1], in: 1...4_294_967_295) else {
            throw SDPError(.malformed, "a=rtpmap:\(payloadType) clock rate \(SDPText.quote(parts[1])) is not a number")
        }
        var channels: Int?
        if parts.count >= 3 {
            guard parts.count == 3, let count = SDPText.integer(parts[2], in: 1...255) else {
                throw SDPError(.malformed, "a=rtpmap:\(payloadType) channels \(SDPText.quote(parts[2...].joined(separator: "/"))) is not a number 1-255")
            }
            channels = count
        }
        self.init(payloadType: payloadType, encodingName: String(parts[0]), clockRate: clock, channels: channels)
    }

    /// "opus/48000/2", "PCMU/8000": the encoding as people write it.
    public var codecDescription: String {
        "\(encodingName)/\(clockRate)" + (channels.map { "/\($0)" } ?? "")
    }

    /// The value after "a=rtpmap:".
    public var attributeValue: String { "\(payloadType) \(codecDescription)" }

    /// The static payload types of RFC 3551 §6, which need no rtpmap.
    public static func staticPayloadType(_ payloadType: Int) -> SDPRTPMap? {
        let entry: (String, Int, Int?)? =
            switch payloadType {
            case 0: ("PCMU", 8000, nil)
            case 3: ("GSM", 8000, nil)
            case 4: ("G723", 8000, nil)
            case 5: ("DVI4", 8000, nil)
            case 6: ("DVI4", 16000, nil)
            case 7: ("LPC", 8000, nil)
            case 8: ("PCMA", 8000, nil)
            case 9: ("G722", 8000, nil)
            case 10: ("L16", 44100, 2)
            case 11: ("L16", 44100, nil)
            case 12: ("QCELP", 8000, nil)
            case 13: ("CN", 8000, nil)
            case 14: ("MPA", 90000, nil)
            case 15: ("G728", 8000, nil)
            case 16: ("DVI4", 11025, nil)
            case 17: ("DVI4", 22050, nil)
            case 18: ("G729", 8000, nil)
            case 25: ("CelB", 90000, nil)
            case 26: ("JPEG", 90000, nil)
            case 28: ("nv", 90000, nil)
            case 31: ("H261", 90000, nil)
            case 32: ("MPV", 90000, nil)
            case 33: ("MP2T", 90000, nil)
            case 34: ("H263", 90000, nil)
            default: nil
            }
        return entry.map { SDPRTPMap(payloadType: payloadType, encodingName: $0.0, clockRate: $0.1, channels: $0.2) }
    }
}

/// `a=rtcp-fb:<payload type|*> <type> [<parameter>]` (RFC 4585 §4.2), e.g. "96 nack pli", "* ccm fir".
public struct SDPRTCPFeedback: Sendable, Equatable {
    /// The payload type, or nil for "*" (all formats).
    public var payloadType: Int?
    /// "nack", "ccm", "ack", "trr-int", "goog-remb", "transport-cc", ...
    public var type: String
    /// The rest, e.g. "pli" or "fir", or nil.
    public var parameter: String?

    /// Makes a feedback line.
    public init(payloadType: Int?, type: String, parameter: String? = nil) {
        self.payloadType = payloadType
        self.type = type
        self.parameter = parameter
    }

    /// Parses the value after "a=rtcp-fb:".
    public init(parsing value: String) throws(SDPError) {
        let (ptText, rest) = SDPText.firstField(Substring(value))
        var payloadType: Int?
        if ptText != "*" {
            guard let number = SDPText.integer(ptText, in: 0...127) else {
                throw SDPError(.malformed, "a=rtcp-fb payload type \(SDPText.quote(ptText)) is neither * nor a number 0-127")
            }
            payloadType = number
        }
        let (type, parameter) = SDPText.firstField(rest)
        guard !type.isEmpty else { throw SDPError(.malformed, "a=rtcp-fb:\(ptText) has no feedback type") }
        self.init(payloadType: payloadType, type: String(type), parameter: parameter.isEmpty ? nil : String(parameter))
    }

    /// Whether the line applies to a payload type (its own or "*").
    public func applies(to payloadType: Int) -> Bool { self.payloadType == nil || self.payloadType == payloadType }

    /// The value after "a=rtcp-fb:".
    public var attributeValue: String {
        (payloadType.map(String.init) ?? "*") + " " + type + (parameter.map { " " + $0 } ?? "")
    }
}

/// `a=extmap:<id>[/<direction>] <uri> [<attributes>]` (RFC 8285 §8).
public struct SDPExtensionMap: Sendable, Equatable {
    /// The local identifier: 1-14 for one-byte headers, up to 255 for two-byte headers.
    public var id: Int
    /// The direction, when given.
    public var direction: SDPDirection?
    /// The extension URI, e.g. "urn:ietf:params:rtp-hdrext:ssrc-audio-level".
    public var uri: String
    /// Extension attributes after the URI (e.g. "vad=on"), when given.
    public var attributes: String?

    /// The RFC 6464 client-to-mixer audio level extension.
    public static let audioLevelURI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

    /// Makes an extmap.
    public init(id: Int, direction: SDPDirection? = nil, uri: String, attributes: String? = nil) {
        self.id = id
        self.direction = direction
        self.uri = uri
        self.attributes = attributes
    }

    /// Parses the value after "a=extmap:".
    public init(parsing value: String) throws(SDPError) {
        let (idField, rest) = SDPText.firstField(Substring(value))
        var idText = idField
        var direction: SDPDirection?
        if let slash = idField.firstIndex(of: "/") {
            idText = idField[..<slash]
            let directionText = idField[idField.index(after: slash)...]
            guard let parsed = SDPDirection(rawValue: String(directionText)) else {
                throw SDPError(.malformed, "a=extmap direction \(SDPText.quote(directionText)) is not sendrecv, sendonly, recvonly or inactive")
            }
            direction = parsed
        }
        guard let id = SDPText.integer(idText, in: 1...255) else {
            throw SDPError(.malformed, "a=extmap id \(SDPText.quote(idText)) is not a number 1-255 (RFC 8285)")
        }
        let (uri, attributes) = SDPText.firstField(rest)
        guard !uri.isEmpty else { throw SDPError(.malformed, "a=extmap:\(id) has no URI") }
        self.init(id: id, direction: direction, uri: String(uri), attributes: attributes.isEmpty ? nil : String(attributes))
    }

    /// The value after "a=extmap:".
    public var attributeValue: String {
        String(id) + (direction.map { "/" + $0.rawValue } ?? "") + " " + uri + (attributes.map { " " + $0 } ?? "")
    }
}

/// `a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]` (RFC 4568 §9.1), SDES-SRTP.
public struct SDPCrypto: Sendable, Equatable {
    /// The tag (1-9 digits) that the answer echoes.
    public var tag: Int
    /// "AES_CM_128_HMAC_SHA1_80", "AEAD_AES_256_GCM", ...
    public var suite: String
    /// The key parameters as given, e.g. "inline:<base64>|2^20|1:4" (several joined by ";").
    public var keyParameters: String
    /// Session parameters such as "KDR=1" or "UNENCRYPTED_SRTCP".
    public var sessionParameters: [String]

    /// Makes a crypto line.
    public init(tag: Int, suite: String, keyParameters: String, sessionParameters: [String] = []) {
        self.tag = tag
        self.suite = suite
        self.keyParameters = keyParameters
        self.sessionParameters = sessionParameters
    }

    /// Parses the value after "a=crypto:".
    public init(parsing value: String) throws(SDPError) {
        let fields = SDPText.fields(value)
        guard fields.count >= 3 else {
            throw SDPError(.malformed, "a=crypto \(SDPText.quote(value)) is not <tag> <suite> <key-params>")
        }
        guard let tag = SDPText.integer(fields[0], in: 0...999_999_999) else {
            throw SDPError(.malformed, "a=crypto tag \(SDPText.quote(fields[0])) is not a number of 1-9 digits")
        }
        guard fields[2].hasPrefix("inline:"), fields[2].count > 7 else {
            throw SDPError(.malformed, "a=crypto:\(tag) key \(SDPText.quote(fields[2])) is not inline:<key>")
        }
        self.init(tag: tag, suite: String(fields[1]), keyParameters: String(fields[2]), sessionParameters: fields[3...].map(String.init))
    }

    /// The value after "a=crypto:".
    public var attributeValue: String {
        ([String(tag), suite, keyParameters] + sessionParameters).joined(separator: " ")
    }
}

/// `a=ssrc:<ssrc-id> <attribute>[:<value>]` (RFC 5576 §4.1), e.g. "12345 cname:user@host".
public struct SDPSSRC: Sendable, Equatable {
    /// The synchronisation source.
    public var ssrc: UInt32
    /// The source attribute name, e.g. "cname", "msid".
    public var attribute: String
    /// The source attribute value, when given.
    public var value: String?

    /// Makes an ssrc line.
    public init(ssrc: UInt32, attribute: String, value: String? = nil) {
        self.ssrc = ssrc
        self.attribute = attribute
        self.value = value
    }

    /// Parses the value after "a=ssrc:".
    public init(parsing value: String) throws(SDPError) {
        let (idText, rest) = SDPText.firstField(Substring(value))
        guard let id = SDPText.integer(idText, in: 0...Int(UInt32.max)) else {
            throw SDPError(.malformed, "a=ssrc \(SDPText.quote(idText)) is not a 32-bit number")
        }
        guard !rest.isEmpty else { throw SDPError(.malformed, "a=ssrc:\(id) has no source attribute") }
        let attribute = SDPAttribute(parsing: rest)
        self.init(ssrc: UInt32(id), attribute: attribute.name, value: attribute.value)
    }

    /// The value after "a=ssrc:".
    public var attributeValue: String { "\(ssrc) \(attribute)" + (value.map { ":" + $0 } ?? "") }
}
