public import SIPWire

extension SIPURI {
    /// The address without port, parameters or headers (`sip:alice@contoso.example`): how the roster names a user.
    public var addressOfRecord: String { "sip:\(user.map { "\($0)@" } ?? "")\(host)" }
}
