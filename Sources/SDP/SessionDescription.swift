/// An SDP session description (RFC 8866).
///
///     v=0                                         protocol version, first line, always 0
///     o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
///     s=<session name>
///     [i= u= e= p=]                               kept as ``otherLines``
///     [c=<nettype> <addrtype> <connection-address>]
///     *b=<bwtype>:<bandwidth>
///     1*( t=<start-time> <stop-time> *r=... ) [z=...]
///     [k=...]
///     *a=<attribute>[:<value>]
///     *( m=<media> <port>[/<number of ports>] <proto> 1*<fmt>
///        [i=] *c= *b= [k=] *a= )
///
/// Parsing is strict where a mistake would send media to the wrong place or in the wrong format
/// (v= first and 0, o= and s= present, m= complete, ports and numbers bounded, rtpmap/extmap/rtcp
/// well formed) and tolerant of what real clients get wrong (LF or CR endings, trailing whitespace,
/// blank lines, missing t=, unknown lines and attributes, which are kept).
public struct SessionDescription: Sendable, Equatable {
    /// v=: always 0.
    public var version: Int
    /// o=.
    public var origin: SDPOrigin
    /// s=: the session name ("-" or " " when there is none).
    public var sessionName: String
    /// The session-level c=, which applies to every m= section without its own.
    public var connection: SDPConnection?
    /// Session-level b= lines.
    public var bandwidths: [SDPBandwidth]
    /// The t= lines as text, e.g. "0 0". A parsed description always has at least one.
    public var timing: [String]
    /// Session-level a= lines in order.
    public var attributes: [SDPAttribute]
    /// The m= sections in order.
    public var media: [MediaDescription]
    /// Session-level lines Consort does not model, in RFC 8866 order (i=, u=, e=, p=, r=, z=, k=, unknown).
    public var otherLines: [SDPLine]

    /// Makes a description; by default v=0, s=-, t=0 0 and nothing else.
    public init(
        version: Int = 0, origin: SDPOrigin, sessionName: String = "-", connection: SDPConnection? = nil,
        bandwidths: [SDPBandwidth] = [], timing: [String] = ["0 0"], attributes: [SDPAttribute] = [],
        media: [MediaDescription] = [], otherLines: [SDPLine] = []
    ) {
        self.version = version
        self.origin = origin
        self.sessionName = sessionName
        self.connection = connection
        self.bandwidths = bandwidths
        self.timing = timing
        self.attributes = attributes
        self.media = media
        self.otherLines = otherLines
    }

    /// The direction of an m= section: its own direction attribute, else the session-level one, else sendrecv (RFC 3264 §5.1).
    public func direction(of media: MediaDescription) -> SDPDirection {
        media.explicitDirection ?? SDPDirection.first(in: attributes) ?? .sendrecv
    }

    /// The connection of an m= section: its own c=, else the session-level one.
    public func connection(of media: MediaDescription) -> SDPConnection? {
        media.connection ?? connection
    }

    /// Whether an m= section uses DTLS-SRTP: a UDP/TLS proto, or a=fingerprint / a=setup in the section or at session level.
    public func isDTLS(_ media: MediaDescription) -> Bool {
        media.isDTLS || attributes.contains { $0.name == "fingerprint" || $0.name == "setup" }
    }

    /// The first session-level attribute with this name.
    public func attribute(_ name: String) -> SDPAttribute? {
        attributes.first { $0.name == name }
    }
}

extension SessionDescription {
    /// The text with CRLF line endings, lines in RFC 8866 order.
    public var serialized: String {
        var out = ""
        func line(_ type: String, _ value: String) {
            out += type
            out += "="
            out += value
            out += "\r\n"
        }
        func others(_ lines: [SDPLine], slot: Int) {
            for other in lines where other.slot == slot { line(String(other.type), other.value) }
        }
        line("v", String(version))
        line("o", origin.serialized)
        line("s", sessionName)
        others(otherLines, slot: 0)
        if let connection { line("c", connection.serialized) }
        others(otherLines, slot: 1)
        for bandwidth in bandwidths { line("b", bandwidth.serialized) }
        for time in timing.isEmpty ? ["0 0"] : timing { line("t", time) }
        others(otherLines, slot: 2)
        others(otherLines, slot: 3)
        for attribute in attributes { line("a", attribute.serialized) }
        for media in media {
            line("m", media.mediaLine)
            others(media.otherLines, slot: 0)
            if let connection = media.connection { line("c", connection.serialized) }
            others(media.otherLines, slot: 1)
            for bandwidth in media.bandwidths { line("b", bandwidth.serialized) }
            others(media.otherLines, slot: 2)
            others(media.otherLines, slot: 3)
            for attribute in media.attributes { line("a", attribute.serialized) }
        }
        return out
    }

    /// The serialised text as UTF-8 bytes.
    public var serializedBytes: [UInt8] { Array(serialized.utf8) }
}
