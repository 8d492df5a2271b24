import ConferenceInfo
import Testing

@Suite("Escaping what participants choose to call themselves (XML 1.0 §2.4, §3.3.3)")
struct ConferenceInfoEscapingTests {
    static let hostile = #"<script>alert("x")</script> & 'friends'"#

    @Test("A hostile display name is escaped in text and reads back unchanged")
    func hostileText() throws {
        var user = Fixtures.bobUser
        user.displayText = Self.hostile
        user.roles = ["<b>admin</b>"]
        let document = ConferenceInfoDocument.full(entity: Fixtures.conference, version: 1, active: true, locked: false, users: [user])
        let xml = document.xml
        #expect(xml.contains("<display-text>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;friends&apos;</display-text>"))
        #expect(xml.contains("<entry>&lt;b&gt;admin&lt;/b&gt;</entry>"))
        #expect(!xml.contains("<script>"))
        #expect(try ConferenceInfoDocument(xml: xml) == document)
    }

    @Test("Attribute values escape quotes of both kinds, markup, and tab, LF and CR")
    func hostileAttributes() throws {
        let entity = "sip:\"evil\"'<x>&@example.com"
        let user = ConferenceUser(
            entity: entity, displayText: "x",
            endpoints: [ConferenceEndpoint(entity: "a\tb\nc\rd", media: [EndpointMedia(id: "1\" onload=\"x")])])
        let document = ConferenceInfoDocument.full(entity: "sip:conf@example.com?a=1&b=2", version: 1, active: true, locked: false, users: [user])
        let xml = document.xml
        #expect(xml.contains(#"entity="sip:&quot;evil&quot;&apos;&lt;x&gt;&amp;@example.com""#))
        #expect(xml.contains(#"entity="sip:conf@example.com?a=1&amp;b=2""#))
        #expect(xml.contains(#"<media id="1&quot; onload=&quot;x">"#))
        #expect(xml.contains(#"entity="a&#9;b&#10;c&#13;d""#))
        let read = try ConferenceInfoDocument(xml: xml)
        #expect(read.users?[entity: entity]?.endpoints.first?.media.first?.id == "1\" onload=\"x")
        // The endpoint entity (xs:string) keeps its tab and line ends; the reader collapses keys' whitespace.
        #expect(read.users?[entity: entity]?.endpoints.first?.entity == "a b c d")
        #expect(read.entity == "sip:conf@example.com?a=1&b=2")
    }

    @Test("Characters XML cannot carry become U+FFFD; CR in text survives as a reference; other scripts pass through")
    func controlCharacters() throws {
        var user = Fixtures.aliceUser
        user.displayText = "A\u{0}l\u{7}i\u{1B}ce\r\n😀 Ærøskøbing 東京"
        let document = ConferenceInfoDocument.full(entity: Fixtures.conference, version: 1, active: true, locked: false, users: [user])
        let xml = document.xml
        #expect(!xml.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        let read = try ConferenceInfoDocument(xml: xml)
        #expect(read.userList.first?.displayText == "A\u{FFFD}l\u{FFFD}i\u{FFFD}ce\r\n😀 Ærøskøbing 東京")
    }
}
