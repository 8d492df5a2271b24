@testable import ConferenceInfo
import Testing

@Suite("The XML reader refuses what a conference-info body must not hold")
struct XMLTreeParserTests {
    static let root = #"<conference-info xmlns="urn:ietf:params:xml:ns:conference-info" entity="sip:c@x" version="1">"#

    @Test("Malformed or refused XML throws malformedXML", arguments: [
        "",
        "not xml",
        "<?xml version=\"1.0\"?>",
        "<!DOCTYPE conference-info [<!ENTITY x \"y\">]>" + root + "</conference-info>",
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" + root + "</conference-info>",
        root,
        root + "</conference-inf>",
        root + "<users></conference-info>",
        root + "&unknown;</conference-info>",
        root + "&#0;</conference-info>",
        root + "&#xD800;</conference-info>",
        root + "</conference-info><extra/>",
        "<p:conference-info entity=\"x\" version=\"1\"/>",
        "<conference-info entity=\"a\" entity=\"b\"/>",
        "<conference-info entity=a/>",
        "<conference-info entity=\"<\"/>",
        "<conference-info entity=\"a\"version=\"1\"/>",
        root + "<![CDATA[unterminated</conference-info>",
        root + "<!-- unterminated </conference-info>",
        String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100),
    ])
    func rejects(xml: String) {
        #expect(throws: ConferenceInfoError(.malformedXML, "")) { try ConferenceInfoDocument(xml: xml) }
    }

    @Test("Bytes that are not UTF-8 are refused")
    func notUTF8() {
        var bytes = Array((Self.root + "</conference-info>").utf8)
        bytes.insert(0xFF, at: 10)
        #expect(throws: ConferenceInfoError(.malformedXML, "")) { try ConferenceInfoDocument(xml: bytes) }
    }

    @Test("Well-formed XML that is no conference-info document throws invalidDocument", arguments: [
        #"<conference-info entity="sip:c@x" version="1"/>"#,
        #"<conference-info xmlns="urn:ietf:params:xml:ns:conference-info" version="1"/>"#,
        #"<conference-info xmlns="urn:ietf:params:xml:ns:conference-info" entity="sip:c@x"/>"#,
        #"<conference-info xmlns="urn:ietf:params:xml:ns:conference-info" entity="sip:c@x" version="-1"/>"#,
        #"<conference-info xmlns="urn:ietf:params:xml:ns:conference-info" entity="sip:c@x" version="1" state="gone"/>"#,
        root + "<users><user/></users></conference-info>",
        root + "<users><user entity=\"u\"><endpoint entity=\"e\"><status>asleep</status></endpoint></user></users></conference-info>",
        root + "<users><user entity=\"u\"><endpoint entity=\"e\"><media/></endpoint></user></users></conference-info>",
        root + "<users><user entity=\"u\"><endpoint entity=\"e\"><joining-info><when>yesterday</when></joining-info></endpoint></user></users></conference-info>",
        root + "<conference-state><active>yes</active></conference-state></conference-info>",
        root + "<conference-state><user-count>4294967296</user-count></conference-state></conference-info>",
        root + "<conference-description><conf-uris><entry/></conf-uris></conference-description></conference-info>",
    ])
    func invalid(xml: String) {
        #expect(throws: ConferenceInfoError(.invalidDocument, "")) { try ConferenceInfoDocument(xml: xml) }
    }

    @Test("Namespaces are scoped, references resolved, line ends and attribute whitespace normalised")
    func tree() throws {
        let xml = "\u{FEFF}<?xml version='1.0' encoding='UTF-8'?>\r\n<a xmlns='urn:a' xmlns:b='urn:b' t='x\ty&#9;z'>"
            + "<b:c b:k='1' k='2'>one&#x20;&lt;two&gt;\r\nthree</b:c><d xmlns=''/><?pi ignored?></a>"
        let root = try XMLTreeParser.parse(Array(xml.utf8))
        #expect(root.namespace == "urn:a" && root.name == "a")
        #expect(root.attribute("t") == "x y\tz")
        let c = try #require(root.child("c", in: "urn:b"))
        #expect(c.text == "one <two>\nthree")
        #expect(c.attributes == [XMLAttributeNode(namespace: "urn:b", name: "k", value: "1"), XMLAttributeNode(name: "k", value: "2")])
        #expect(root.child("d", in: nil) != nil)
    }
}
