import ConferenceInfo
import Testing

@Suite("Writing and reading conference-info documents (RFC 4575 §5, §6)")
struct ConferenceInfoRoundTripTests {
    @Test("A full document with two users, roles, endpoints and media reads back equal")
    func fullRoundTrip() throws {
        let document = Fixtures.meeting
        let read = try ConferenceInfoDocument(xml: document.xml)
        #expect(read == document)
        #expect(read.userList.map(\.roles) == [["organizer"], ["attendee"]])
        #expect(read.userList[0].endpoints[0].media.map(\.ssrc) == [0x1A2B_3C4D, 3_000_000_001])
        #expect(try ConferenceInfoDocument(xml: document.xmlBytes) == document)
    }

    @Test("§5: the declaration, the namespace and the root's entity, state and version")
    func rootAndNamespace() {
        let xml = Fixtures.meeting.xml
        #expect(xml.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"))
        #expect(xml.contains(#"<conference-info xmlns="urn:ietf:params:xml:ns:conference-info" entity="sip:weekly-sync@acme.consort.example" state="full" version="1">"#))
        #expect(ConferenceInfoDocument.mediaType == "application/conference-info+xml")
    }

    @Test("Timestamps are xs:dateTime in UTC, SSRCs decimal src-id, users and endpoints keyed by entity")
    func wireDetails() {
        let xml = Fixtures.meeting.xml
        #expect(xml.contains("<when>2026-11-27T01:23:45Z</when>"))
        #expect(xml.contains("<when>2026-11-27T01:25:15Z</when>"))
        #expect(xml.contains("<src-id>439041101</src-id>"))
        #expect(xml.contains(#"<user entity="sip:alice@acme.example" state="full">"#))
        #expect(xml.contains(#"<endpoint entity="sip:bob@198.51.100.7:5062" state="full">"#))
        #expect(xml.contains("<status>muted-via-focus</status>"))
        #expect(xml.contains("<languages>en de-CH</languages>"))
        #expect(xml.contains(#"<media id="2">"#))
    }

    @Test("A full document always carries conference-description, conference-state and users")
    func fullDocumentMandatoryParts() throws {
        let empty = ConferenceInfoDocument(entity: Fixtures.conference, state: .full, version: 0)
        let xml = empty.xml
        #expect(xml.contains("<conference-description/>"))
        #expect(xml.contains("<user-count>0</user-count>"))
        #expect(xml.contains("<users/>"))
        let read = try ConferenceInfoDocument(xml: xml)
        #expect(read.conferenceState == ConferenceState(userCount: 0))
        #expect(read.users == ConferenceUsers())
    }

    @Test("A partial document carries only what changed, with users state partial")
    func partialShape() throws {
        let partial = ConferenceInfoDocument.partial(
            entity: Fixtures.conference, version: 2, conferenceState: ConferenceState(userCount: 3),
            users: [Fixtures.carolUser, .deleted(Fixtures.bob)])
        let xml = partial.xml
        #expect(xml.contains(#"state="partial" version="2">"#))
        #expect(!xml.contains("conference-description"))
        #expect(xml.contains("<conference-state>\n    <user-count>3</user-count>\n  </conference-state>"))
        #expect(xml.contains(#"<users state="partial">"#))
        #expect(xml.contains(#"<user entity="sip:bob@acme.example" state="deleted"/>"#))
        #expect(try ConferenceInfoDocument(xml: xml) == partial)
    }

    @Test("§6-style document from another implementation: prefixes, comments, CDATA and skipped extensions")
    func foreignDocument() throws {
        let xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <!-- written by hand, in the shape of RFC 4575's examples -->
            <ci:conference-info xmlns:ci="urn:ietf:params:xml:ns:conference-info" xmlns:x="urn:example:ext"
                entity="sips:conf42@example.com" version="7" x:flag="1">
              <ci:conference-description>
                <ci:subject><![CDATA[Q&A <live>]]></ci:subject>
                <ci:free-text>skipped: not in the model</ci:free-text>
                <ci:conf-uris><ci:entry><ci:uri> tel:+15555550199 </ci:uri><ci:purpose>participation</ci:purpose></ci:entry></ci:conf-uris>
              </ci:conference-description>
              <ci:conference-state><ci:user-count>1</ci:user-count><ci:active>1</ci:active><ci:locked>false</ci:locked></ci:conference-state>
              <ci:users>
                <ci:user entity="sip:dan@example.com">
                  <ci:display-text>Dan &amp; Co &#x263A;</ci:display-text>
                  <ci:endpoint entity="sip:dan@pc.example.com">
                    <ci:status>on-hold</ci:status>
                    <ci:disconnection-method>booted</ci:disconnection-method>
                    <ci:disconnection-info><ci:when>2005-03-04T20:00:00.25+01:00</ci:when><ci:reason>bad voice quality</ci:reason></ci:disconnection-info>
                    <ci:media id="a"><ci:type>audio</ci:type><ci:src-id>432424</ci:src-id></ci:media>
                    <ci:call-info><ci:sip><ci:call-id>x</ci:call-id><ci:from-tag>y</ci:from-tag><ci:to-tag>z</ci:to-tag></ci:sip></ci:call-info>
                  </ci:endpoint>
                  <x:mood>skipped</x:mood>
                </ci:user>
              </ci:users>
            </ci:conference-info>
            """
        let document = try ConferenceInfoDocument(xml: xml)
        #expect(document.entity == "sips:conf42@example.com" && document.state == .full && document.version == 7)
        #expect(document.description?.subject == "Q&A <live>")
        #expect(document.description?.confURIs?.entries == [URIEntry(uri: "tel:+15555550199", purpose: "participation")])
        #expect(document.conferenceState == ConferenceState(userCount: 1, active: true, locked: false))
        let dan = try #require(document.users?[entity: "sip:dan@example.com"])
        #expect(dan.state == .full && dan.displayText == "Dan & Co \u{263A}")
        let endpoint = try #require(dan[endpoint: "sip:dan@pc.example.com"])
        #expect(endpoint.status == .onHold && endpoint.disconnectionMethod == .booted)
        // 20:00:00.25 at +01:00 is 19:00:00.25 UTC.
        #expect(endpoint.disconnectionInfo?.when == 1_109_962_800.25)
        #expect(endpoint.media == [EndpointMedia(id: "a", type: "audio", srcID: "432424")])
    }
}
