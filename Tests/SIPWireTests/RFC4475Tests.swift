import SIPWire
import Testing

/// What Consort does with each RFC 4475 message (see RFC4475.md for the table and the strict choices).
enum Outcome: Equatable {
    /// Parses; `validationError()` is nil (requests).
    case accepted
    /// Parses; `validationError()` answers this status.
    case rejectedByValidation(Int)
    /// `parseDatagram` fails with this status.
    case rejectedByParser(Int)
}

let rfc4475Outcomes: [String: Outcome] = [
    // 3.1.1 valid
    "wsinv.dat": .accepted, "intmeth.dat": .accepted, "esc01.dat": .accepted, "escnull.dat": .accepted,
    "esc02.dat": .accepted, "lwsdisp.dat": .accepted, "longreq.dat": .accepted, "dblreq.dat": .accepted,
    "semiuri.dat": .accepted, "transports.dat": .accepted, "mpart01.dat": .accepted, "unreason.dat": .accepted,
    "noreason.dat": .accepted,
    // 3.1.2 invalid
    "badinv01.dat": .rejectedByParser(400), "clerr.dat": .rejectedByParser(400), "ncl.dat": .rejectedByParser(400),
    "scalar02.dat": .rejectedByParser(400), "scalarlg.dat": .rejectedByParser(400), "quotbal.dat": .rejectedByParser(400),
    "ltgtruri.dat": .rejectedByParser(400), "lwsruri.dat": .rejectedByParser(400), "lwsstart.dat": .rejectedByParser(400),
    "trws.dat": .rejectedByParser(400), "escruri.dat": .rejectedByParser(400), "baddate.dat": .accepted,
    "regbadct.dat": .rejectedByParser(400), "badaspec.dat": .rejectedByParser(400), "baddn.dat": .rejectedByParser(400),
    "badvers.dat": .rejectedByParser(505), "mismatch01.dat": .rejectedByValidation(400),
    "mismatch02.dat": .rejectedByValidation(400), "bigcode.dat": .rejectedByParser(400),
    // 3.2 transaction
    "badbranch.dat": .accepted,
    // 3.3 application
    "insuf.dat": .rejectedByValidation(400), "unkscm.dat": .rejectedByParser(416), "novelsc.dat": .rejectedByParser(416),
    "unksm2.dat": .accepted, "bext01.dat": .accepted, "invut.dat": .accepted, "regaut01.dat": .accepted,
    "multi01.dat": .rejectedByValidation(400), "mcl01.dat": .rejectedByParser(400), "bcast.dat": .accepted,
    "zeromf.dat": .accepted, "cparam01.dat": .accepted, "cparam02.dat": .accepted, "regescrt.dat": .accepted,
    "sdp01.dat": .accepted,
    // 3.4 backward compatibility
    "inv2543.dat": .accepted,
]

func parsed(_ name: String) throws -> SIPMessage {
    try SIPMessageParser.parseDatagram(RFC4475Corpus.bytes(name)).get()
}

func request(_ name: String) throws -> SIPRequest {
    guard case .request(let request) = try parsed(name) else { throw CorpusMessageKind() }
    return request
}

struct CorpusMessageKind: Error {}

@Suite("RFC 4475 torture messages")
struct RFC4475Tests {
    @Test("the corpus is present next to the repository root")
    func corpusPresent() {
        #expect(RFC4475Corpus.rows.count == 49, "no ../shared/rfc4475/index.tsv at \(RFC4475Corpus.directory)")
    }

    @Test("each message is handled as documented (datagram)", arguments: RFC4475Corpus.rows)
    func documentedOutcome(_ row: RFC4475Corpus.Row) throws {
        let expected = try #require(rfc4475Outcomes[row.name], "no expected outcome for \(row.name)")
        let bytes = try RFC4475Corpus.bytes(row.name)
        let result = SIPMessageParser.parseDatagram(bytes)
        switch (result, expected) {
        case (.failure(let error), .rejectedByParser(let status)):
            #expect(error.status == status, "\(row.name): \(error)")
        case (.success(.request(let request)), .accepted):
            #expect(request.validationError() == nil, "\(row.name)")
        case (.success(.response), .accepted):
            break
        case (.success(.request(let request)), .rejectedByValidation(let status)):
            #expect(request.validationError()?.status == status, "\(row.name)")
        default:
            Issue.record("\(row.name) [\(row.expected)]: expected \(expected), got \(result)")
        }
        // Whatever happened, the parsed message serialises and parses back to itself.
        if case .success(let message) = result {
            let again = SIPMessageParser.parseDatagram(message.serialized())
            #expect(withoutContentLength(again) == withoutContentLength(.success(message)), "\(row.name)")
        }
    }

    @Test("each message through the stream framer, fed byte by byte, never traps", arguments: RFC4475Corpus.rows)
    func streamFraming(_ row: RFC4475Corpus.Row) throws {
        let bytes = try RFC4475Corpus.bytes(row.name)
        var framer = SIPStreamFramer()
        var results: [Result<SIPMessage, SIPParseError>] = []
        for byte in bytes {
            [byte].withUnsafeBytes { framer.append($0) }
            while let result = framer.next() { results.append(result) }
        }
        switch row.name {
        case "clerr.dat", "baddn.dat":
            // Content-Length 9999 / no empty line: the framer waits for more bytes.
            #expect(results.isEmpty)
            #expect(framer.bufferedByteCount == bytes.count)
        case "ncl.dat", "mcl01.dat":
            #expect(results.count == 1)
            #expect(framer.mustClose)
        case "dblreq.dat":
            // On a stream the trailing INVITE is a message of its own (with more octets than its Content-Length).
            guard results.count >= 2, case .success(.request(let first)) = results[0],
                  case .success(.request(let second)) = results[1] else { Issue.record("dblreq: \(results)"); return }
            #expect(first.method == .register && second.method == .invite)
        default:
            let datagram = SIPMessageParser.parseDatagram(bytes)
            if case .success = datagram, !bytes.isEmpty, hasContentLength(datagram) {
                #expect(results.count == 1, "\(row.name)")
                #expect(results.first.map(withoutContentLength) == withoutContentLength(datagram), "\(row.name)")
            } else if !hasContentLength(datagram), case .success = datagram {
                // inv2543 has no Content-Length: a framing error on a stream.
                #expect(framer.mustClose, "\(row.name)")
            }
        }
    }

    @Test("§3.1.2.15 baddn with its missing empty line restored: non-token display name → 400")
    func baddnWithEmptyLine() throws {
        let bytes = try RFC4475Corpus.bytes("baddn.dat") + Array("\r\n".utf8)
        let error = try #require(SIPMessageParser.parseDatagram(bytes).failure)
        #expect(error.status == 400)
        #expect(error.reason == "Malformed From")
        #expect(error.isRequest == true)
        #expect(error.salvagedHeaders["Call-ID"] == "baddn.31415@c.example.com")
        var framer = SIPStreamFramer()
        bytes.withUnsafeBytes { framer.append($0) }
        #expect(framer.next()?.failure?.status == 400)
        #expect(!framer.mustClose)
    }

    @Test("§3.1.1.1 wsinv: folding, odd LWS, compact and long names")
    func wsinv() throws {
        let request = try request("wsinv.dat")
        #expect(request.uri.host == "chair-dnrc.example.com")
        #expect(request.uri.parameter("unknownparam") == .some(nil))
        #expect(request.vias.count == 3)
        #expect(request.vias.map(\.transport) == ["UDP", "TCP", "UDP"])
        #expect(request.vias[2].branch == "z9hG4bK30239")
        #expect(request.vias[1].host == "spindle.example.com")
        #expect(request.to?.tag == "1918181833n")
        #expect(request.from?.displayName == "J Rosenberg \\\"")
        #expect(request.from?.tag == "98asjd8")
        #expect(request.maxForwards == 68)
        #expect(request.cseq == SIPCSeq(9, .invite))
        #expect(request.headers["Subject"] == "")
        #expect(request.headers["NewFangledHeader"] == "newfangled value continued newfangled value")
        #expect(request.headers["UnknownHeaderWithUnusualValue"] == ";;,,;;,;")
        #expect(request.routes.first?.uri.parameter("lr") == .some(nil))
        let contact = try #require(request.contacts.first)
        #expect(contact.displayName == "Quoted string \"\"")
        #expect(contact.parameter("newparam") == .some("newvalue"))
        #expect(contact.parameter("secondparam") == .some(nil))
        #expect(contact.parameter("q") == .some("0.33"))
        #expect(request.body.count == 150)
    }

    @Test("§3.1.1.2 intmeth: unusual method, user, password and quoted-pairs")
    func intmeth() throws {
        let request = try request("intmeth.dat")
        #expect(request.method == .extension("!interesting-Method0123456789_*+`.%indeed'~"))
        #expect(request.uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        #expect(request.uri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
        #expect(request.to?.displayName == "BEL:\u{07} NUL:\u{00} DEL:\u{7F}")
        #expect(request.from?.displayName == "token1~` token2'+_ token3*%!.-")
        #expect(request.from?.tag == "_token~1'+`*%!-.")
        #expect(request.callID == "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{")
        #expect(request.headers["extensionHeader-!.%*+_`'~"] == "\u{FEFF}大停電")
    }

    @Test("§3.1.1.3 esc01 and §3.1.1.4 escnull: %HH decoded once, NUL kept")
    func escapes() throws {
        let esc01 = try request("esc01.dat")
        #expect(esc01.uri.user == "sips:user@example.com")
        #expect(esc01.uri.host == "example.net")
        #expect(esc01.to?.uri.user == "user")
        #expect(esc01.from?.uri.user == "I have spaces")
        let contact = try #require(esc01.contacts.first)
        #expect(contact.uri.user == "caller")
        #expect(contact.uri.parameter("lr") == .some(nil))
        #expect(contact.uri.parameter("name") == .some("value%41"))
        let escnull = try request("escnull.dat")
        #expect(escnull.to?.uri.user == "null-\u{0}-null")
        #expect(escnull.contacts.map { $0.uri.user } == ["\u{0}", "\u{0}\u{0}"])
        #expect(escnull.contacts[0] != escnull.contacts[1])
        #expect(escnull.contacts[1].description == "<sip:%00%00@host5.example.com>")
    }

    @Test("§3.1.1.5 esc02: % is not an escape in method, display name or header name")
    func esc02() throws {
        let request = try request("esc02.dat")
        #expect(request.method.rawValue == "RE%47IST%45R")
        #expect(request.cseq?.method == request.method)
        #expect(request.to?.displayName == "%Z%45")
        #expect(request.contacts.count == 2)
        #expect(request.headers["C%6Fntact"] == "<sip:alias2@host2.example.com>")
        #expect(request.topVia?.branch == "z9hG4bK209%fzsnel234")
    }

    @Test("§3.1.1.6 lwsdisp, §3.1.1.7 longreq, §3.1.1.8 dblreq, §3.1.1.9 semiuri, §3.1.1.10 transports")
    func assortedValid() throws {
        #expect(try request("lwsdisp.dat").from?.displayName == "caller")
        let longreq = try request("longreq.dat")
        #expect(longreq.to?.displayName?.hasPrefix("I have a user name of extremeextreme") == true)
        #expect((longreq.to?.uri.parameters.first?.value?.utf8.count ?? 0) > 80)
        #expect((longreq.from?.tag?.utf8.count ?? 0) > 100)
        #expect((longreq.callID?.utf8.count ?? 0) > 100)
        #expect(longreq.vias.count == 34)
        let dblreq = try request("dblreq.dat")
        #expect(dblreq.method == .register)
        #expect(dblreq.body.isEmpty)
        let semiuri = try request("semiuri.dat")
        #expect(semiuri.uri.user == "user;par=u@example.net")
        #expect(semiuri.uri.host == "example.com")
        #expect(semiuri.uri.parameters.isEmpty)
        #expect(semiuri.headers.values("Accept").count == 6)
        let transports = try request("transports.dat")
        #expect(transports.vias.map(\.transport) == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"])
    }

    @Test("§3.1.1.11 mpart01: binary multipart body framed by Content-Length")
    func mpart01() throws {
        let bytes = try RFC4475Corpus.bytes("mpart01.dat")
        let request = try request("mpart01.dat")
        #expect(request.body.count == 553)
        #expect(request.body == Array(bytes.suffix(553)))
        #expect(request.contentType == "multipart/mixed")
    }

    @Test("§3.1.1.12 unreason and §3.1.1.13 noreason")
    func reasons() throws {
        guard case .response(let unreason) = try parsed("unreason.dat"),
              case .response(let noreason) = try parsed("noreason.dat") else { Issue.record("responses"); return }
        #expect(unreason.statusCode == 200)
        #expect(unreason.reason == "= 2**3 * 5**2 но сто девяносто девять - простое")
        #expect(noreason.statusCode == 100)
        #expect(noreason.reason == "")
    }

    @Test("§3.1.2 scalar02/scalarlg: overlarge CSeq is an error with a reason; bigcode's code is out of range")
    func scalars() throws {
        let scalar02 = try #require(SIPMessageParser.parseDatagram(RFC4475Corpus.bytes("scalar02.dat")).failure)
        #expect(scalar02.reason == "CSeq sequence number exceeds 2^32-1")
        #expect(scalar02.isRequest == true)
        #expect(scalar02.salvagedHeaders["Call-ID"] == "scalar02.23o0pd9vanlq3wnrlnewofjas9ui32")
        #expect(scalar02.salvagedHeaders.values("Via").count == 1)
        let scalarlg = try #require(SIPMessageParser.parseDatagram(RFC4475Corpus.bytes("scalarlg.dat")).failure)
        #expect(scalarlg.isRequest == false)
        let bigcode = try #require(SIPMessageParser.parseDatagram(RFC4475Corpus.bytes("bigcode.dat")).failure)
        #expect(bigcode.isRequest == false)
        let badvers = try #require(SIPMessageParser.parseDatagram(RFC4475Corpus.bytes("badvers.dat")).failure)
        #expect(badvers.status == 505)
        #expect(badvers.salvagedHeaders["CSeq"] == "1 OPTIONS")
    }

    @Test("§3.1.2.2-3, §3.3.9: clerr, ncl and mcl01 are framing errors")
    func framingErrors() throws {
        for name in ["clerr.dat", "ncl.dat", "mcl01.dat"] {
            let error = try #require(SIPMessageParser.parseDatagram(RFC4475Corpus.bytes(name)).failure)
            #expect(error.isFramingError, "\(name)")
        }
    }

    @Test("§3.2.1 badbranch: a branch that is only the magic cookie is not an RFC 3261 branch")
    func badbranch() throws {
        let request = try request("badbranch.dat")
        #expect(request.topVia?.branch == "z9hG4bK")
        #expect(request.topVia?.isRFC3261Branch == false)
    }

    @Test("§3.3 application-layer messages parse to the values the layers above decide on")
    func application() throws {
        let unksm2 = try request("unksm2.dat")
        #expect(unksm2.to == nil && unksm2.from == nil && unksm2.contacts.isEmpty)
        #expect(unksm2.headers["To"] == "isbn:2983792873")
        let bext01 = try request("bext01.dat")
        #expect(bext01.require == ["nothingSupportsThis", "nothingSupportsThisEither"])
        #expect(bext01.proxyRequire == ["noProxiesSupportThis", "norDoAnyProxiesSupportThis"])
        #expect(try request("invut.dat").contentType == "application/unknownformat")
        let regaut01 = try request("regaut01.dat")
        #expect(regaut01.headers["Authorization"] == "NoOneKnowsThisScheme opaque-data=here")
        #expect(SIPDigestCredentials(regaut01.headers["Authorization"] ?? "") == nil)
        guard case .response(let bcast) = try parsed("bcast.dat") else { Issue.record("bcast"); return }
        #expect(bcast.vias[1].host == "255.255.255.255")
        #expect(try request("zeromf.dat").maxForwards == 0)
        #expect(try request("multi01.dat").validationError()?.reason == "Multiple To header fields")
        #expect(try request("insuf.dat").validationError()?.reason == "Missing To header field")
        #expect(try request("mismatch01.dat").validationError()?.reason == "CSeq method does not match")
        let sdp01 = try request("sdp01.dat")
        #expect(sdp01.headers.values("Accept") == ["text/nobodyKnowsThis"])
    }

    @Test("§3.3.12-14 cparam01, cparam02, regescrt: header parameter versus URI parameter versus URI header")
    func contactParameters() throws {
        let cparam01 = try #require(try request("cparam01.dat").contacts.first)
        #expect(cparam01.parameter("unknownparam") == .some(nil))
        #expect(cparam01.uri.parameters.isEmpty)
        #expect(cparam01.uri.user == "+19725552222")
        let cparam02 = try #require(try request("cparam02.dat").contacts.first)
        #expect(cparam02.parameters.isEmpty)
        #expect(cparam02.uri.parameter("unknownparam") == .some(nil))
        let regescrt = try #require(try request("regescrt.dat").contacts.first)
        #expect(regescrt.uri.headers == [SIPParameter(name: "Route", value: "<sip:sip.example.com>")])
        #expect(regescrt.uri.description == "sip:user@example.com?Route=%3Csip:sip.example.com%3E")
    }

    @Test("§3.4.1 inv2543: no Content-Length, the body runs to the end of the datagram")
    func inv2543() throws {
        let request = try request("inv2543.dat")
        #expect(request.maxForwards == nil)
        #expect(request.topVia?.branch == nil)
        #expect(request.from?.tag == nil)
        #expect(request.body.count > 0)
        #expect(request.validationError() == nil)
    }
}

func withoutContentLength(_ result: Result<SIPMessage, SIPParseError>) -> Result<SIPMessage, SIPParseError> {
    guard case .success(var message) = result else { return result }
    switch message {
    case .request(var request):
        request.headers.remove("Content-Length")
        message = .request(request)
    case .response(var response):
        response.headers.remove("Content-Length")
        message = .response(response)
    }
    return .success(message)
}

func hasContentLength(_ result: Result<SIPMessage, SIPParseError>) -> Bool {
    guard case .success(let message) = result else { return false }
    return message.headers.contains("Content-Length")
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
