/// The session-level fields of RFC 8866 §5: origin (o=), connection (c=), bandwidth (b=), attribute (a=),
/// and any other line kept as text.

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2).
public struct SDPOrigin: Sendable, Equatable {
    /// The user's login on the originating host, or "-".
    public var username: String
    /// A numeric session identifier, unique per originator.
    public var sessionID: UInt64
    /// Incremented by the originator on every change of the description.
    public var sessionVersion: UInt64
    /// "IN".
    public var networkType: String
    /// "IP4" or "IP6".
    public var addressType: String
    /// The originator's address or host name.
    public var address: String

    /// Makes an origin; the network type defaults to "IN" and the address type to "IP4".
    public init(
        username: String = "-", sessionID: UInt64, sessionVersion: UInt64,
        networkType: String = "IN", addressType: String = "IP4", address: String
    ) {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    init(parsing value: Substring, line: Int) throws(SDPError) {
        let fields = SDPText.fields(value)
        guard fields.count == 6 else {
            throw .malformed(
                "o= needs 6 fields (<username> <sess-id> <sess-version> IN IP4|IP6 <address>), got \(fields.count) in \(SDPText.quote(value))",
                line: line)
        }
        guard let id = SDPText.unsigned64(fields[1]) else {
            throw .malformed("o= session id \(SDPText.quote(fields[1])) is not a number of at most 20 digits", line: line)
        }
        guard let version = SDPText.unsigned64(fields[2]) else {
            throw .malformed("o= session version \(SDPText.quote(fields[2])) is not a number of at most 20 digits", line: line)
        }
        self.init(
            username: String(fields[0]), sessionID: id, sessionVersion: version,
            networkType: String(fields[3]), addressType: String(fields[4]), address: String(fields[5]))
    }

    var serialized: String { "\(username) \(sessionID) \(sessionVersion) \(networkType) \(addressType) \(address)" }
}

/// `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7).
public struct SDPConnection: Sendable, Equatable {
    /// "IN".
    public var networkType: String
    /// "IP4" or "IP6".
    public var addressType: String
    /// The address as written, including any multicast "/ttl/count" suffix.
    public var address: String

    /// Makes a connection; the network type defaults to "IN" and the address type to "IP4".
    public init(networkType: String = "IN", addressType: String = "IP4", address: String) {
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    /// Whether this is the RFC 2543 hold address (0.0.0.0, or :: for IPv6): send no media here (RFC 3264 §8.4).
    public var isHoldAddress: Bool { address == "0.0.0.0" || address == "::" }

    init(parsing value: Substring, line: Int) throws(SDPError) {
        let fields = SDPText.fields(value)
        guard fields.count == 3 else {
            throw .malformed("c= needs 3 fields (IN IP4|IP6 <address>), got \(SDPText.quote(value))", line: line)
        }
        self.init(networkType: String(fields[0]), addressType: String(fields[1]), address: String(fields[2]))
    }

    var serialized: String { "\(networkType) \(addressType) \(address)" }
}

/// `b=<bwtype>:<bandwidth>` (RFC 8866 §5.8), e.g. AS in kbit/s or TIAS in bit/s (RFC 3890).
public struct SDPBandwidth: Sendable, Equatable {
    /// "AS", "CT", "TIAS", "RS", "RR", ...
    public var type: String
    /// The bandwidth in the type's unit.
    public var value: Int

    /// Makes a bandwidth line.
    public init(type: String, value: Int) {
        self.type = type
        self.value = value
    }

    init(parsing value: Substring, line: Int) throws(SDPError) {
        guard let colon = value.firstIndex(of: ":"), colon > value.startIndex else {
            throw .malformed("b= is not <type>:<bandwidth>: \(SDPText.quote(value))", line: line)
        }
        let number = value[value.index(after: colon)...]
        guard let bandwidth = SDPText.integer(number, in: 0...4_000_000_000_000) else {
            throw .malformed("b= bandwidth \(SDPText.quote(number)) is not a number", line: line)
        }
        self.init(type: String(value[..<colon]), value: bandwidth)
    }

    var serialized: String { "\(type):\(value)" }
}

/// `a=<name>[:<value>]` (RFC 8866 §5.13), kept as text in order; typed views are on ``MediaDescription``.
public struct SDPAttribute: Sendable, Equatable {
    /// The attribute name, e.g. "rtpmap" or "sendonly".
    public var name: String
    /// The text after the first colon, or nil for a property attribute.
    public var value: String?

    /// Makes an attribute.
    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }

    init(parsing text: Substring) {
        if let colon = text.firstIndex(of: ":") {
            self.init(name: String(text[..<colon]), value: String(text[text.index(after: colon)...]))
        } else {
            self.init(name: String(text))
        }
    }

    var serialized: String { value.map { "\(name):\($0)" } ?? name }
}

/// A line Consort does not model (i=, u=, e=, p=, r=, z=, k=, extra c=, unknown letters), kept so that
/// serialising writes it back in its RFC 8866 place.
public struct SDPLine: Sendable, Equatable {
    /// The type letter.
    public var type: Character
    /// The text after "=".
    public var value: String

    /// Makes a line.
    public init(type: Character, value: String) {
        self.type = type
        self.value = value
    }

    /// Where the line goes relative to the modelled ones: 0 right after s= (session) or m= (media),
    /// 1 after the c= line (media), 2 after the t= lines (session), 3 just before the a= lines.
    var slot: Int {
        switch type {
        case "i", "u", "e", "p": 0
        case "c": 1
        case "r", "z": 2
        default: 3
        }
    }
}

/// The media direction attributes of RFC 3264 §5.1 / RFC 8866 §6.7.
public enum SDPDirection: String, Sendable, CaseIterable {
    /// Send and receive (the default).
    case sendrecv
    /// Send only.
    case sendonly
    /// Receive only.
    case recvonly
    /// Neither send nor receive.
    case inactive

    /// The direction the other side takes in answer (RFC 3264 §6.1): sendonly and recvonly swap.
    public var reversed: SDPDirection {
        switch self {
        case .sendonly: .recvonly
        case .recvonly: .sendonly
        case .sendrecv, .inactive: self
        }
    }

    /// Whether this side sends media.
    public var sends: Bool { self == .sendrecv || self == .sendonly }
    /// Whether this side receives media.
    public var receives: Bool { self == .sendrecv || self == .recvonly }

    /// The direction named by an attribute list (the first direction attribute), or nil when none is there.
    static func first(in attributes: [SDPAttribute]) -> SDPDirection? {
        for attribute in attributes where attribute.value == nil {
            if let direction = SDPDirection(rawValue: attribute.name) { return direction }
        }
        return nil
    }
}
