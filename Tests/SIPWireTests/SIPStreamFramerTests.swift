import SIPWire
import Testing

@Suite("Stream framing (RFC 3261 §18.3, RFC 5626 §4.4.1)")
struct SIPStreamFramerTests {
    static let two = Array(("\r\n\r\n" + plainInvite + "\r\n" + plainInvite.replacingOccurrences("314159", "314160")).utf8)

    @Test("two messages and keep-alive CRLFs, split at every point and fed byte by byte")
    func everySplit() throws {
        let expected = try [SIPMessageParser.parseDatagram(Array(plainInvite.utf8)).get(),
                            SIPMessageParser.parseDatagram(Array(plainInvite.replacingOccurrences("314159", "314160").utf8)).get()]
        for split in 0...Self.two.count {
            var framer = SIPStreamFramer()
            var messages: [SIPMessage] = []
            Self.two[..<split].withUnsafeBytes { framer.append($0) }
            while let result = framer.next() { messages.append(try result.get()) }
            Self.two[split...].withUnsafeBytes { framer.append($0) }
            while let result = framer.next() { messages.append(try result.get()) }
            #expect(messages == expected, "split at \(split)")
            #expect(framer.bufferedByteCount == 0 && !framer.mustClose)
        }
        var framer = SIPStreamFramer()
        var messages: [SIPMessage] = []
        for byte in Self.two {
            [byte].withUnsafeBytes { framer.append($0) }
            while let result = framer.next() { messages.append(try result.get()) }
        }
        #expect(messages == expected)
    }

    @Test("a message without Content-Length is a framing error: close the connection")
    func missingContentLength() {
        var framer = SIPStreamFramer()
        headerOnly(["Call-ID: x"]).withUnsafeBytes { framer.append($0) }
        let error = framer.next()?.failure
        #expect(error?.status == 400 && error?.isFramingError == true)
        #expect(framer.mustClose && framer.next() == nil)
    }

    @Test("an endless header section over the limit → 413 and close; a bad header keeps the stream open")
    func limitsAndRecoverableErrors() {
        var limits = SIPLimits()
        limits.maxMessageBytes = 1_000
        var framer = SIPStreamFramer(limits: limits)
        let line = Array("X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".utf8)
        Array("OPTIONS sip:a@b SIP/2.0\r\n".utf8).withUnsafeBytes { framer.append($0) }
        var result: Result<SIPMessage, SIPParseError>?
        for _ in 0..<40 where result == nil {
            line.withUnsafeBytes { framer.append($0) }
            result = framer.next()
        }
        #expect(result?.failure?.status == 413 && framer.mustClose)
        var open = SIPStreamFramer()
        (headerOnly(["CSeq: 99999999999 OPTIONS", "Content-Length: 0"]) + Array(plainInvite.utf8)).withUnsafeBytes { open.append($0) }
        #expect(open.next()?.failure?.reason == "CSeq sequence number exceeds 2^32-1")
        #expect(!open.mustClose)
        #expect((try? open.next()?.get())?.headers["CSeq"] == "314159 INVITE")
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
