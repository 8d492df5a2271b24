// RFC 3261 §8.2 (UAS request processing) and RFC 4475 §3.1.2.17-18, §3.3.1, §3.3.8: checks beyond syntax.
// Max-Forwards may be absent (RFC 2543 clients, RFC 4475 inv2543). A Request-URI scheme other than sip, sips
// or tel never gets here: the parser answers 416. tel: is left to the caller.

extension SIPRequest {
    /// The first message-level problem, with the status to answer; nil when the request may proceed.
    ///
    /// 400 for a missing To, From, Call-ID, CSeq or Via; for more than one To, From, Call-ID, CSeq,
    /// Max-Forwards or Content-Length; and for a CSeq method that differs from the request method.
    public func validationError() -> SIPParseError? {
        func error(_ reason: String) -> SIPParseError {
            let salvage = SIPHeaders(headers.fields.filter { ["Via", "From", "To", "Call-ID", "CSeq"].contains($0.name) })
            return SIPParseError(status: 400, reason: reason, isRequest: true, salvagedHeaders: salvage)
        }
        for name in ["To", "From", "Call-ID", "CSeq", "Via"] where !headers.contains(name) {
            return error("Missing \(name) header field")
        }
        for name in ["To", "From", "Call-ID", "CSeq", "Max-Forwards", "Content-Length"] where headers.fieldCount(name) > 1 {
            return error("Multiple \(name) header fields")
        }
        guard let cseq else { return error("Malformed CSeq") }
        guard cseq.method == method else { return error("CSeq method does not match") }
        return nil
    }
}
