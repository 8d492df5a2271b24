/// One m= section of a session description (RFC 8866 §5.14):
///
///     m=<media> <port>[/<number of ports>] <proto> <fmt> ...
///     [i=]  *c=  *b=  [k=]  *a=
///
/// Every a= line is kept in order in ``attributes``; the typed views (rtpmap, fmtp, rtcp-fb, extmap,
/// crypto, ssrc, ...) are computed from them in `MediaDescription+Attributes.swift`.
public struct MediaDescription: Sendable, Equatable {
    /// "audio", "video", "application", "image", "text", ...
    public var type: String
    /// The transport port; 0 means the stream is rejected or disabled (RFC 3264 §5.1).
    public var port: Int
    /// The number of ports after "/", when given.
    public var portCount: Int?
    /// "RTP/AVP", "RTP/AVPF", "RTP/SAVP", "RTP/SAVPF", "UDP/TLS/RTP/SAVPF", ...
    public var proto: String
    /// The formats as text; for RTP protos they are payload type numbers 0-127.
    public var formats: [String]
    /// The section's own c=, if any (see ``SessionDescription/connection(of:)``).
    public var connection: SDPConnection?
    /// The section's b= lines.
    public var bandwidths: [SDPBandwidth]
    /// All a= lines of the section, in order.
    public var attributes: [SDPAttribute]
    /// Lines Consort does not model (i=, k=, extra c=, unknown letters), in order.
    public var otherLines: [SDPLine]

    /// Makes an m= section.
    public init(
        type: String, port: Int, portCount: Int? = nil, proto: String, formats: [String],
        connection: SDPConnection? = nil, bandwidths: [SDPBandwidth] = [], attributes: [SDPAttribute] = [],
        otherLines: [SDPLine] = []
    ) {
        self.type = type
        self.port = port
        self.portCount = portCount
        self.proto = proto
        self.formats = formats
        self.connection = connection
        self.bandwidths = bandwidths
        self.attributes = attributes
        self.otherLines = otherLines
    }

    /// Whether the proto carries RTP (…RTP/AVP, …RTP/SAVPF, ...), so formats are payload types.
    public var isRTP: Bool { proto.contains("RTP/") }

    /// The formats that are payload type numbers, in order.
    public var payloadTypes: [Int] { formats.compactMap { SDPText.integer($0, in: 0...127) } }

    /// The value after "m=".
    var mediaLine: String {
        var text = type + " " + String(port)
        if let portCount { text += "/" + String(portCount) }
        text += " " + proto
        for format in formats { text += " " + format }
        return text
    }

    /// Parses the value of an m= line; `index` is the 1-based m= line number, for reasons.
    init(parsingMediaLine value: Substring, index: Int, line: Int) throws(SDPError) {
        let fields = SDPText.fields(value)
        guard fields.count >= 4 else {
            throw .malformed(
                "m= line \(index) needs <media> <port> <proto> <format>..., got \(SDPText.quote(value))"
                    + (fields.count == 3 ? " (no format)" : ""),
                line: line)
        }
        let portField = fields[1]
        var portText = portField
        var count: Int?
        if let slash = portField.firstIndex(of: "/") {
            portText = portField[..<slash]
            let countText = portField[portField.index(after: slash)...]
            guard let number = SDPText.integer(countText, in: 1...65535) else {
                throw .malformed("m= line \(index): port count \(SDPText.quote(countText)) is not a number 1-65535", line: line)
            }
            count = number
        }
        guard let port = SDPText.integer(portText, in: 0...65535) else {
            let what = !portText.isEmpty && portText.allSatisfy(\.isASCIIDigit) ? "is outside 0-65535" : "is not a number"
            throw .malformed("m= line \(index): port \(SDPText.quote(portText)) \(what)", line: line)
        }
        self.init(
            type: String(fields[0]), port: port, portCount: count, proto: String(fields[2]),
            formats: fields[3...].map(String.init))
        if isRTP {
            // Canonical numbers only ("8", not "08"), so that an answer's formats match the offer's text.
            for format in fields[3...] where SDPText.integer(format, in: 0...127).map(String.init) != String(format) {
                throw .malformed("m= line \(index): payload type \(SDPText.quote(format)) is not a number 0-127", line: line)
            }
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { self >= "0" && self <= "9" }
}
