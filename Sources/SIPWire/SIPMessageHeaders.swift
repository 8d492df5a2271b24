// Typed views of the header fields the transaction, dialog and focus layers read:
// RFC 3261 §20 (Via, Call-ID, CSeq, From, To, Contact, Max-Forwards, Content-Length, Content-Type, Route,
// Record-Route, Supported, Require, Proxy-Require, Allow, Expires), RFC 6665 (Event, Subscription-State),
// RFC 3515 (Refer-To), RFC 3892 (Referred-By), RFC 4028 (Session-Expires, Min-SE), RFC 3891 (Replaces).
// Each accessor parses on every call and returns nil (or an empty array) when absent or malformed.

/// Anything with SIP header fields: requests, responses and messages share the typed accessors.
public protocol SIPMessageHeaders {
    /// The header fields.
    var headers: SIPHeaders { get }
}

extension SIPRequest: SIPMessageHeaders {}
extension SIPResponse: SIPMessageHeaders {}
extension SIPMessage: SIPMessageHeaders {}

extension SIPMessageHeaders {
    /// Every Via value, top first; empty when any is malformed.
    public var vias: [SIPVia] { allOrNothing(headers.values("Via"), SIPVia.init) }

    /// The first Via value.
    public var topVia: SIPVia? { headers["Via"].flatMap(SIPVia.init) }

    /// The Call-ID.
    public var callID: String? {
        guard let value = headers["Call-ID"], !value.isEmpty else { return nil }
        return value
    }

    /// The CSeq.
    public var cseq: SIPCSeq? { headers["CSeq"].flatMap(SIPCSeq.init) }

    /// The From value.
    public var from: SIPNameAddress? { headers["From"].flatMap(SIPNameAddress.init) }

    /// The To value.
    public var to: SIPNameAddress? { headers["To"].flatMap(SIPNameAddress.init) }

    /// Every Contact value; empty for `Contact: *` (see `isWildcardContact`) or when any is malformed.
    public var contacts: [SIPNameAddress] {
        isWildcardContact ? [] : allOrNothing(headers.values("Contact"), SIPNameAddress.init)
    }

    /// Whether the message carries `Contact: *` (REGISTER removing every binding, RFC 3261 §10.2.2).
    public var isWildcardContact: Bool { headers.values("Contact") == ["*"] }

    /// Max-Forwards, 0...255.
    public var maxForwards: Int? { headers["Max-Forwards"].flatMap { SIPGrammar.decimal($0, as: UInt8.self) }.map(Int.init) }

    /// Content-Length.
    public var contentLength: Int? { headers["Content-Length"].flatMap { SIPGrammar.decimal($0, as: Int.self) } }

    /// The media type of Content-Type, lower-cased, without parameters (`application/sdp`).
    public var contentType: String? {
        guard let value = headers["Content-Type"] else { return nil }
        let type = SIPGrammar.trimmed(value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        let parts = type.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let media = SIPGrammar.trimmed(parts[0]), subtype = SIPGrammar.trimmed(parts[1])
        guard SIPGrammar.isToken(media), SIPGrammar.isToken(subtype) else { return nil }
        return SIPGrammar.asciiLowercased(media + "/" + subtype)
    }

    /// Route values in order.
    public var routes: [SIPNameAddress] { allOrNothing(headers.values("Route"), SIPNameAddress.init) }

    /// Record-Route values in order.
    public var recordRoutes: [SIPNameAddress] { allOrNothing(headers.values("Record-Route"), SIPNameAddress.init) }

    /// Supported option tags.
    public var supported: [String] { tokens("Supported") }

    /// Require option tags.
    public var require: [String] { tokens("Require") }

    /// Proxy-Require option tags.
    public var proxyRequire: [String] { tokens("Proxy-Require") }

    /// Allow methods.
    public var allow: [SIPMethod] { tokens("Allow").map(SIPMethod.init) }

    /// Expires in seconds (0...2^32-1).
    public var expires: Int? { headers["Expires"].flatMap { SIPGrammar.decimal($0, as: UInt32.self) }.map(Int.init) }

    /// The event package of Event (RFC 6665 §8.2.1), lower-cased, without parameters.
    public var event: String? { leadingToken("Event").map(SIPGrammar.asciiLowercased) }

    /// The substate of Subscription-State (`active`, `pending`, `terminated`), lower-cased.
    public var subscriptionState: String? { leadingToken("Subscription-State").map(SIPGrammar.asciiLowercased) }

    /// Refer-To (RFC 3515).
    public var referTo: SIPNameAddress? { headers["Refer-To"].flatMap(SIPNameAddress.init) }

    /// Referred-By (RFC 3892).
    public var referredBy: SIPNameAddress? { headers["Referred-By"].flatMap(SIPNameAddress.init) }

    /// Session-Expires (RFC 4028 §4): the interval and the `refresher` parameter (`uac` / `uas`).
    public var sessionExpires: (seconds: Int, refresher: String?)? {
        guard let (value, parameters) = valueAndParameters("Session-Expires"),
              let seconds = SIPGrammar.decimal(value, as: UInt32.self) else { return nil }
        guard case .some(.some(let refresher)) = parameters.lookup("refresher") else { return (Int(seconds), nil) }
        return (Int(seconds), SIPGrammar.asciiLowercased(refresher))
    }

    /// Min-SE (RFC 4028 §5) in seconds.
    public var minSE: Int? {
        guard let (value, _) = valueAndParameters("Min-SE") else { return nil }
        return SIPGrammar.decimal(value, as: UInt32.self).map(Int.init)
    }

    /// Replaces (RFC 3891 §6.1): the dialog to replace, and whether only an early dialog may be.
    public var replaces: (callID: String, toTag: String, fromTag: String, earlyOnly: Bool)? {
        guard let (callID, parameters) = valueAndParameters("Replaces"), !callID.isEmpty,
              case .some(.some(let toTag)) = parameters.lookup("to-tag"),
              case .some(.some(let fromTag)) = parameters.lookup("from-tag") else { return nil }
        return (callID, toTag, fromTag, parameters.lookup("early-only") != nil)
    }

    private func allOrNothing<T>(_ values: [String], _ parse: (String) -> T?) -> [T] {
        var result: [T] = []
        result.reserveCapacity(values.count)
        for value in values {
            guard let parsed = parse(value) else { return [] }
            result.append(parsed)
        }
        return result
    }

    private func tokens(_ name: String) -> [String] {
        headers.values(name).filter(SIPGrammar.isToken)
    }

    private func leadingToken(_ name: String) -> String? {
        guard let (value, _) = valueAndParameters(name), SIPGrammar.isToken(value) else { return nil }
        return value
    }

    /// `value *( SEMI generic-param )`: the part before the first `;` and the parameters.
    private func valueAndParameters(_ name: String) -> (String, [SIPParameter])? {
        guard let text = headers[name] else { return nil }
        var scanner = ByteScanner(text)
        scanner.skipWhitespace()
        let start = scanner.index
        _ = scanner.scan { $0 != UInt8(ascii: ";") && !SIPGrammar.isWhitespace($0) }
        let value = scanner.string(start..<scanner.index)
        guard let parameters = SIPHeaderParameters.parse(&scanner) else { return nil }
        return (value, parameters)
    }
}
