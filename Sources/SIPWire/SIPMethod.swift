// RFC 3261 §7.1, §25.1:
//   Method            =  INVITEm / ACKm / OPTIONSm / BYEm / CANCELm / REGISTERm / extension-method
//   extension-method  =  token
// Method names are case-sensitive. SUBSCRIBE/NOTIFY: RFC 6665; REFER: RFC 3515; INFO: RFC 6086;
// UPDATE: RFC 3311; PRACK: RFC 3262; MESSAGE: RFC 3428; PUBLISH: RFC 3903.

/// A SIP request method. Names are case-sensitive: `invite` is an extension method, not INVITE.
public enum SIPMethod: Hashable, Sendable, CustomStringConvertible, RawRepresentable {
    case invite, ack, bye, cancel, options, register, subscribe, notify, refer, info, update, prack, message, publish
    /// Any other token; never holds the name of one of the cases above when made with `init(_:)`.
    case `extension`(String)

    /// The method named by `token`, matched case-sensitively.
    public init(_ token: String) {
        switch token {
        case "INVITE": self = .invite
        case "ACK": self = .ack
        case "BYE": self = .bye
        case "CANCEL": self = .cancel
        case "OPTIONS": self = .options
        case "REGISTER": self = .register
        case "SUBSCRIBE": self = .subscribe
        case "NOTIFY": self = .notify
        case "REFER": self = .refer
        case "INFO": self = .info
        case "UPDATE": self = .update
        case "PRACK": self = .prack
        case "MESSAGE": self = .message
        case "PUBLISH": self = .publish
        default: self = .extension(token)
        }
    }

    /// The method named by `rawValue`; nil unless it is a token (RFC 3261 §25.1).
    public init?(rawValue: String) {
        guard SIPGrammar.isToken(rawValue) else { return nil }
        self.init(rawValue)
    }

    /// The method name as it appears on the wire.
    public var rawValue: String {
        switch self {
        case .invite: "INVITE"
        case .ack: "ACK"
        case .bye: "BYE"
        case .cancel: "CANCEL"
        case .options: "OPTIONS"
        case .register: "REGISTER"
        case .subscribe: "SUBSCRIBE"
        case .notify: "NOTIFY"
        case .refer: "REFER"
        case .info: "INFO"
        case .update: "UPDATE"
        case .prack: "PRACK"
        case .message: "MESSAGE"
        case .publish: "PUBLISH"
        case .extension(let token): token
        }
    }

    /// The method name as it appears on the wire.
    public var description: String { rawValue }

    /// Methods compare by name, so `.extension("INVITE") == .invite`.
    public static func == (lhs: SIPMethod, rhs: SIPMethod) -> Bool { lhs.rawValue == rhs.rawValue }

    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}
