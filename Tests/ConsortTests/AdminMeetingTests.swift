import Admin
import Focus
import Foundation
import Testing
import TestSupport

/// Scheduled meetings through the admin API: create, read, replace, delete; configuration meetings are read-only
/// (409 with the reason); every malformed body is a 400 that says what is wrong. Real HTTP on loopback.
@Suite("Admin API: meetings", .serialized, .timeLimit(.minutes(2)))
struct AdminMeetingTests {
    static let standup = """
        {"id": "standup", "subject": "Daily standup", "organizer": "alice", "presenters": ["bob"], "passcode": "1234",
         "policy": {"lobby": "attendees", "maxParticipants": 5}}
        """

    @Test("create (201, Location, stored), read, list, replace (200), create by PUT (201), delete (204), then 404")
    func lifecycle() async throws {
        let bed = try await AdminTestBed.start()
        let base = "/v1/tenants/acme/meetings"
        let token = AdminTestBed.acmeToken
        let created = try await bed.request("POST", base, token: token, body: Self.standup)
        let stored = try await bed.server.store.meeting(tenant: "acme", id: "standup")
        let read = try await bed.request("GET", "\(base)/standup", token: token)
        let duplicate = try await bed.request("POST", base, token: token, body: Self.standup)
        let replaced = try await bed.request("PUT", "\(base)/standup", token: token, body: #"{"subject": "Standup v2", "organizer": "bob"}"#)
        let putNew = try await bed.request("PUT", "\(base)/retro", token: AdminTestBed.operatorToken, body: #"{"subject": "Retro"}"#)
        let list = try await bed.request("GET", base, token: token)
        let deleted = try await bed.request("DELETE", "\(base)/standup", token: token)
        let gone = try await bed.request("GET", "\(base)/standup", token: token)
        let deletedAgain = try await bed.request("DELETE", "\(base)/standup", token: token)
        let storedAfter = try await bed.server.store.meeting(tenant: "acme", id: "standup")
        await bed.stop()

        #expect(created.status == 201, "\(created.text)")
        #expect(created.header("Location") == "/v1/tenants/acme/meetings/standup")
        #expect(created.object["organizer"] as? String == "alice" && created.object["presenters"] as? [String] == ["bob"])
        #expect(created.object["source"] as? String == "api" && created.object["live"] as? Bool == false)
        #expect((created.object["policy"] as? [String: Any])?["lobby"] as? String == "attendees")
        #expect(stored?.passcode == "1234" && stored?.policy.maxParticipants == 5, "the store keeps it across restarts")
        #expect(read.status == 200 && read.object["subject"] as? String == "Daily standup")
        #expect(duplicate.status == 409 && duplicate.error?.contains("PUT /v1/tenants/acme/meetings/standup") == true)
        #expect(replaced.status == 200 && replaced.object["subject"] as? String == "Standup v2")
        #expect(replaced.object["presenters"] as? [String] == [], "PUT replaces the whole meeting")
        #expect(putNew.status == 201 && putNew.object["id"] as? String == "retro")
        #expect(list.array.map { $0["id"] as? String } == ["board", "retro", "standup", "townhall", "weekly"])
        #expect(list.array.first { $0["id"] as? String == "weekly" }?["source"] as? String == "configuration")
        #expect(deleted.status == 204 && deleted.body.isEmpty)
        #expect(gone.status == 404 && gone.error == "no meeting standup in tenant acme")
        #expect(deletedAgain.status == 404)
        #expect(storedAfter == nil)
    }

    @Test("a meeting from the configuration file cannot be replaced or deleted: 409 says to change the file")
    func configurationMeetingsAreReadOnly() async throws {
        let bed = try await AdminTestBed.start()
        let put = try await bed.request("PUT", "/v1/tenants/acme/meetings/weekly", token: AdminTestBed.acmeToken, body: #"{"subject": "x"}"#)
        let delete = try await bed.request("DELETE", "/v1/tenants/acme/meetings/weekly", token: AdminTestBed.operatorToken)
        await bed.stop()
        #expect(put.status == 409 && put.error?.contains("configuration file") == true, "\(put.text)")
        #expect(delete.status == 409 && delete.error?.contains("configuration file") == true, "\(delete.text)")
    }

    @Test("malformed bodies are 400s that say what is wrong")
    func badBodies() async throws {
        let bed = try await AdminTestBed.start()
        let cases: [(String, String, String)] = [
            ("POST", "{not json", "not valid JSON"),
            ("POST", "[1, 2]", "must be a JSON object"),
            ("POST", "", "needs a JSON body"),
            ("POST", #"{"subject": "no id"}"#, "missing field id"),
            ("POST", #"{"id": "m1", "subjet": "typo"}"#, "unknown field subjet"),
            ("POST", #"{"id": "m1", "policy": {"lobbby": "off"}}"#, "unknown field policy.lobbby"),
            ("POST", #"{"id": "m1", "policy": {"lobby": "sometimes"}}"#, "policy.lobby"),
            ("POST", #"{"id": "m1", "policy": {"maxParticipants": 0}}"#, "maxParticipants must be at least 1"),
            ("POST", #"{"id": "m1", "presenters": "bob"}"#, "presenters must be a list"),
            ("POST", #"{"id": "m1", "organizer": "mallory"}"#, "organizer mallory is not a user of the tenant"),
            ("POST", #"{"id": "m1", "passcode": "12ab"}"#, "a passcode is digits only"),
            ("POST", #"{"id": "m 1"}"#, "a meeting id is a SIP user part"),
            ("PUT", #"{"id": "other"}"#, "is not the URL's m1"),
        ]
        var answers: [(String, AdminHTTPResult)] = []
        for (method, body, _) in cases {
            let path = method == "PUT" ? "/v1/tenants/acme/meetings/m1" : "/v1/tenants/acme/meetings"
            answers.append((body, try await bed.request(method, path, token: AdminTestBed.acmeToken, body: body)))
        }
        let none = try await bed.request("GET", "/v1/tenants/acme/meetings/m1", token: AdminTestBed.acmeToken)
        await bed.stop()
        for ((_, _, reason), (body, answer)) in zip(cases, answers) {
            #expect(answer.status == 400, "\(body): \(answer.status) \(answer.text)")
            #expect(answer.error?.contains(reason) == true, "\(body): \(answer.text) should say \(reason)")
        }
        #expect(none.status == 404, "nothing was created by a refused body")
    }

    @Test("digest credentials do not open the meeting routes (403: they open only the user's conferences)")
    func digestOnMeetings() async throws {
        let bed = try await AdminTestBed.start()
        let list = try await bed.digestRequest("GET", "/v1/tenants/acme/meetings", user: "alice", password: "alice-pw")
        await bed.stop()
        #expect(list.status == 403 && list.error?.contains("bearer token") == true, "\(list.text)")
    }
}
