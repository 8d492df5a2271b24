import Foundation
import MCUControl
import Testing

/// The control protocol's new messages survive JSON, and older messages without the new fields still decode.
@Suite("MCUControl messages")
struct MCUControlMessageTests {
    func roundTrip<T: Codable & Equatable>(_ value: T) throws -> T {
        try JSONDecoder().decode(T.self, from: try JSONEncoder().encode(value))
    }

    @Test("requests, modifications and events round-trip through JSON")
    func roundTrips() throws {
        let conference = ConferenceID(tenant: "acme", meeting: "42")
        let dialOut = AddEndpointRequest(conference: conference, endpoint: EndpointID("e"), offer: nil, advertisedAddress: "192.0.2.1", mode: .isolated)
        #expect(try roundTrip(dialOut) == dialOut)
        let modify = ModifyEndpointRequest(conference: conference, endpoint: EndpointID("e"), mode: .conference, answer: "v=0")
        #expect(try roundTrip(modify) == modify)
        let announcement = AnnouncementRequest(conference: conference, endpoint: EndpointID("e"), prompt: "/p/lobby.wav", loop: true)
        #expect(try roundTrip(announcement) == announcement)
        for event in [MCUEvent.dtmf(conference, EndpointID("e"), digit: "#"), .announcementFinished(conference, EndpointID("e"), prompt: "/p/x.wav")] {
            #expect(try roundTrip(event) == event)
        }
    }

    @Test("an addEndpoint without mode, policy or label, and an announcement without loop, take the defaults")
    func defaults() throws {
        let json = #"{"conference":{"tenant":"a","meeting":"m"},"endpoint":{"value":"e"},"offer":"v=0","advertisedAddress":"192.0.2.1"}"#
        let request = try JSONDecoder().decode(AddEndpointRequest.self, from: Data(json.utf8))
        #expect(request.mode == .conference && request.policy == EndpointPolicy() && request.label.isEmpty && request.offer == "v=0")
        #expect(request.signallingSource == nil)
        let announcement = try JSONDecoder().decode(
            AnnouncementRequest.self, from: Data(#"{"conference":{"tenant":"a","meeting":"m"},"endpoint":{"value":"e"},"prompt":"x.wav"}"#.utf8))
        #expect(announcement.loop == false)
    }

    @Test("signalling sources and drops by reason survive JSON; statistics without drops still decode")
    func sourceTrustFields() throws {
        let conference = ConferenceID(tenant: "acme", meeting: "42")
        let add = AddEndpointRequest(
            conference: conference, endpoint: EndpointID("e"), offer: "v=0", advertisedAddress: "192.0.2.1", signallingSource: "198.51.100.7")
        #expect(try roundTrip(add) == add && add.signallingSource == "198.51.100.7")
        let modify = ModifyEndpointRequest(conference: conference, endpoint: EndpointID("e"), answer: "v=0", signallingSource: "198.51.100.8")
        #expect(try roundTrip(modify).signallingSource == "198.51.100.8")
        let drops = MediaDropStatistics(malformed: 1, authentication: 2, replay: 3, wrongSource: 4, probation: 5, wrongSSRC: 6, payloadType: 7)
        #expect(drops.total == 28 && drops.byReason.map(\.reason).contains("wrong_source"))
        var stats = ConferenceStatistics(conference: conference, ticks: 1, lateTicks: 0, speakers: [], endpoints: [], drops: drops)
        #expect(try roundTrip(stats) == stats && roundTrip(stats).drops == drops)
        stats.drops = nil
        let old = String(decoding: try JSONEncoder().encode(stats), as: UTF8.self)
        #expect(!old.contains("drops"))
        #expect(try JSONDecoder().decode(ConferenceStatistics.self, from: Data(old.utf8)).drops == nil)
    }
}
