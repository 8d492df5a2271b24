// libFuzzer entry for SIPWire: datagram parse, every typed accessor, request validation, serialise-then-
// reparse round trip, the stream framer fed in two pieces, and the URI / name-addr / Via / CSeq / digest
// parsers on every header value. Not a SwiftPM target; built with swiftc together with Sources/SIPWire
// (see Tests/Fuzz/README.md).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var limits = SIPLimits()
    limits.maxHeaderFields = 64
    let result = SIPMessageParser.parseDatagram(bytes, limits: limits)
    switch result {
    case .success(let message):
        touchAccessors(message)
        if case .request(let request) = message { _ = request.validationError() }
        roundTrip(message, limits: limits)
        for field in message.headers { parseValue(field.value) }
    case .failure(let error):
        check((400...599).contains(error.status))
        for field in error.salvagedHeaders { parseValue(field.value) }
    }
    frameInTwo(bytes, limits: limits, datagram: result)
    return 0
}

private func touchAccessors(_ message: SIPMessage) {
    _ = message.vias
    _ = message.topVia?.description
    _ = message.callID
    _ = message.cseq?.description
    _ = message.from?.description
    _ = message.to?.tag
    _ = message.contacts.map(\.description)
    _ = message.isWildcardContact
    _ = message.maxForwards
    _ = message.contentLength
    _ = message.contentType
    _ = message.routes
    _ = message.recordRoutes
    _ = message.supported
    _ = message.require
    _ = message.proxyRequire
    _ = message.allow
    _ = message.expires
    _ = message.event
    _ = message.subscriptionState
    _ = message.referTo
    _ = message.referredBy
    _ = message.sessionExpires
    _ = message.minSE
    _ = message.replaces
}

// Serialising a parsed message and parsing it again gives the same message, Content-Length aside.
private func roundTrip(_ message: SIPMessage, limits: SIPLimits) {
    var relaxed = limits
    relaxed.maxMessageBytes = Int.max
    relaxed.maxHeaderLineBytes = Int.max
    relaxed.maxBodyBytes = Int.max
    let serialized = message.serialized()
    guard case .success(let again) = SIPMessageParser.parseDatagram(serialized, limits: relaxed) else {
        check(false)
        return
    }
    check(stripped(again) == stripped(message))
    check(again.serialized() == serialized)
}

private func stripped(_ message: SIPMessage) -> SIPMessage {
    switch message {
    case .request(var request):
        request.headers.remove("Content-Length")
        return .request(request)
    case .response(var response):
        response.headers.remove("Content-Length")
        return .response(response)
    }
}

private func parseValue(_ value: String) {
    if let uri = SIPURI(value) { check(SIPURI(uri.description) == uri) }
    if let address = SIPNameAddress(value) { check(SIPNameAddress(address.description) == address) }
    if let via = SIPVia(value) { check(SIPVia(via.description) == via) }
    if let cseq = SIPCSeq(value) { check(SIPCSeq(cseq.description) == cseq) }
    if let challenge = SIPDigestChallenge(value) { _ = SIPDigestChallenge(challenge.headerValue) }
    if let credentials = SIPDigestCredentials(value) { check(SIPDigestCredentials(credentials.headerValue) == credentials) }
    var headers = SIPHeaders()
    headers.add("Via", value)
    headers.insertFirst("v", value)
    headers.set("Contact", value)
    _ = headers.values("m")
    headers.remove("via")
    check(!headers.contains("Via"))
}

// The framer, fed the input split at a point the input chooses, never traps and agrees with the datagram
// parser on the first message when the input starts with a well-framed one.
private func frameInTwo(_ bytes: UnsafeRawBufferPointer, limits: SIPLimits, datagram: Result<SIPMessage, SIPParseError>) {
    var framer = SIPStreamFramer(limits: limits)
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    framer.append(UnsafeRawBufferPointer(rebasing: bytes[0..<split]))
    var results: [Result<SIPMessage, SIPParseError>] = []
    while let result = framer.next() { results.append(result) }
    framer.append(UnsafeRawBufferPointer(rebasing: bytes[split...]))
    while let result = framer.next() { results.append(result) }
    check(framer.bufferedByteCount >= 0 && framer.bufferedByteCount <= bytes.count)
    if results.count > 64 { check(false) }
}

// A failed invariant is a finding: crash so libFuzzer saves the input.
private func check(_ condition: Bool, line: UInt = #line) {
    if !condition { fatalError("SIP fuzz invariant failed at line \(line)") }
}
