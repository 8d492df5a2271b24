// libFuzzer entry for the ConferenceInfo target: the XML reader on arbitrary bytes, then, for every document it
// accepts, writing and reading again (stable after one pass), applying it to a held roster or diffing to it, and
// a subscriber taking the result. Not a SwiftPM target; built with swiftc together with Sources/ConferenceInfo
// (see Tests/Fuzz/README.md).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let document = try? ConferenceInfoDocument(xml: bytes) else { return 0 }

    // What is written reads back, and the second pass writes the same text.
    let first = document.xml
    check(first.unicodeScalars.allSatisfy(XMLWriter.isXMLChar))
    guard let reread = try? ConferenceInfoDocument(xml: first) else {
        check(false)
        return 0
    }
    let second = reread.xml
    check(second == first)
    check((try? ConferenceInfoDocument(xml: second)) == reread)

    // Applied to a held roster (as the next version), or reached from it by a diff.
    let held = ConferenceInfoDocument.full(
        entity: reread.entity, version: 7, description: ConferenceDescription(subject: "held"), active: true, locked: false,
        users: [
            ConferenceUser(entity: "sip:a@example.com", roles: ["organizer"], endpoints: [
                ConferenceEndpoint(entity: "sip:a@192.0.2.1", status: .connected, media: [EndpointMedia(id: "1", type: "audio", ssrc: 1)]),
            ]),
            ConferenceUser(entity: "sip:b@example.com"),
        ])
    var subscriber = ConferenceInfoSubscriber()
    check(subscriber.receive(held) == .applied)
    switch reread.state {
    case .partial:
        var next = reread
        next.version = 8
        let merged = try? held.applying(next)
        check(merged != nil && merged?.state == .full && merged?.version == 8)
        check(subscriber.receive(next) == .applied && subscriber.document == merged)
        if let merged { check((try? ConferenceInfoDocument(xml: merged.xml)) != nil) }
    case .full:
        if let update = held.changes(to: reread) {
            check(update.version == 8)
            check(subscriber.receive(update) == .applied)
            var expected = reread
            expected.version = 8
            if update.state == .partial { check(subscriber.document == expected) }
        }
    case .deleted:
        var gone = reread
        gone.version = 8
        check(subscriber.receive(gone) == .ended && subscriber.document == nil)
    }
    return 0
}

private func check(_ condition: Bool, line: UInt = #line) {
    if !condition { fatalError("ConferenceInfo fuzz invariant failed at line \(line)") }
}
