import ConferenceInfo
import Foundation
import TestSupport
import Testing

/// Validates generated documents against RFC 4575's schema with xmllint (Debian's libxml2-utils, installed by
/// `make deps`), offline (`--nonet`) and bounded in time.
@Suite("Documents validate against the RFC 4575 §5 schema")
struct ConferenceInfoSchemaTests {
    static let schema = packageRoot.appendingPathComponent("Tests/ConferenceInfoTests/Schema/conference-info.xsd")

    /// xmllint's exit status and output for `xml`.
    static func validate(_ xml: String) throws -> (status: Int32, output: String) {
        let xmllint = try #require(tool("xmllint"), "xmllint is missing: make deps installs libxml2-utils")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("consort-conference-info-\(UUID().uuidString).xml")
        try xml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try runProgram(xmllint, ["--noout", "--nonet", "--schema", schema.path, file.path], timeout: 20)
    }

    static var validDocuments: [(String, ConferenceInfoDocument)] {
        var hostile = Fixtures.bobUser
        hostile.displayText = #"<script>&"'"#
        hostile.entity = "sip:x@example.com;a=<b>&c='d'"
        let partialEndpoint = ConferenceEndpoint(
            entity: "sip:bob@198.51.100.7:5062", state: .partial, status: .disconnected, disconnectionMethod: .departed,
            disconnectionInfo: ExecutionInfo(when: Fixtures.joinTime + 3600.5, reason: "left", by: Fixtures.bob),
            media: [EndpointMedia(id: "1", status: .inactive)])
        return [
            ("full meeting", Fixtures.meeting),
            ("empty full", .full(entity: Fixtures.conference, version: 0, active: false, locked: false, users: [])),
            ("bare full", ConferenceInfoDocument(entity: Fixtures.conference, state: .full, version: 3)),
            ("hostile names", .full(entity: Fixtures.conference, version: 1, active: true, locked: true, users: [hostile])),
            ("join and leave", .partial(
                entity: Fixtures.conference, version: 2, conferenceState: ConferenceState(userCount: 2),
                users: [Fixtures.carolUser, .deleted(Fixtures.bob)])),
            ("partial endpoint", .partial(
                entity: Fixtures.conference, version: 5,
                users: [ConferenceUser(entity: Fixtures.bob, state: .partial, endpoints: [partialEndpoint])])),
            ("locked only", .partial(entity: Fixtures.conference, version: 9, conferenceState: ConferenceState(locked: true))),
            ("conference ended", ConferenceInfoDocument(entity: Fixtures.conference, state: .deleted, version: 10)),
        ]
    }

    @Test("Full and partial documents validate (xmllint exits 0)", arguments: validDocuments.indices)
    func validates(index: Int) throws {
        let (name, document) = Self.validDocuments[index]
        let result = try Self.validate(document.xml)
        #expect(result.status == 0, "\(name): \(result.output)\n\(document.xml)")
    }

    @Test("A generated full → partial sequence validates at every step")
    func sequenceValidates() throws {
        var held = Fixtures.meeting
        var next = held
        next.users?.users.append(Fixtures.carolUser)
        next.conferenceState?.userCount = 3
        let update = try #require(held.changes(to: next))
        held = try held.applying(update)
        for document in [Fixtures.meeting, update, held] {
            let result = try Self.validate(document.xml)
            #expect(result.status == 0, "\(result.output)")
        }
    }

    /// Documents the schema rejects, so the checks above cannot pass vacuously.
    static var invalidDocuments: [(String, String)] {
        let full = Fixtures.meeting.xml
        return [
            ("unknown endpoint status", full.replacingOccurrences(of: "<status>connected</status>", with: "<status>asleep</status>")),
            ("media without id", full.replacingOccurrences(of: #"<media id="2">"#, with: "<media>")),
            ("root without entity", full.replacingOccurrences(of: #" entity="\#(Fixtures.conference)""#, with: "")),
            ("user-count not a number", full.replacingOccurrences(of: "<user-count>2</user-count>", with: "<user-count>two</user-count>")),
            ("elements out of order", full.replacingOccurrences(of: "<host-info>", with: "<host-info-x>").replacingOccurrences(of: "</host-info>", with: "</host-info-x>")),
            ("wrong namespace", full.replacingOccurrences(of: "urn:ietf:params:xml:ns:conference-info", with: "urn:example:not-conference-info")),
            ("roles without entry", full.replacingOccurrences(of: "<entry>organizer</entry>", with: "")),
        ]
    }

    @Test("Invalid documents fail validation", arguments: invalidDocuments.indices)
    func rejects(index: Int) throws {
        let (name, xml) = Self.invalidDocuments[index]
        #expect(xml != Fixtures.meeting.xml, "\(name): the mutation did not apply")
        let result = try Self.validate(xml)
        #expect(result.status != 0 && result.status != -9, "\(name) validated: \(result.output)")
        #expect(result.output.contains("fails to validate") || result.output.contains("error"), "\(name): \(result.output)")
    }
}
