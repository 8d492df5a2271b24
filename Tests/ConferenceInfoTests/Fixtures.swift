import ConferenceInfo

/// Documents the tests share: a meeting on a Consort focus with an organizer on a softphone (audio and video) and
/// an attendee on a desk phone (audio only), each stream carrying the SSRC the MCU forwards it with.
enum Fixtures {
    static let conference = "sip:weekly-sync@acme.consort.example"
    static let alice = "sip:alice@acme.example"
    static let bob = "sip:bob@acme.example"
    static let carol = "sip:carol@acme.example"
    /// 2026-11-27T01:23:45Z.
    static let joinTime: Double = 1_795_742_625

    static var description: ConferenceDescription {
        ConferenceDescription(
            displayText: "Weekly sync", subject: "Roadmap review",
            confURIs: URIList([
                URIEntry(uri: "sip:weekly-sync@acme.consort.example", displayText: "Dial in", purpose: "participation"),
                URIEntry(uri: "tel:+15555550100;postd=pp123", purpose: "participation"),
            ]),
            serviceURIs: URIList([URIEntry(uri: "https://acme.consort.example/m/weekly-sync", purpose: "web-page")]),
            maximumUserCount: 100)
    }

    static var aliceUser: ConferenceUser {
        ConferenceUser(
            entity: alice, displayText: "Alice Example", roles: ["organizer"], languages: ["en", "de-CH"],
            endpoints: [
                ConferenceEndpoint(
                    entity: "sip:alice@192.0.2.10:5060;transport=udp", displayText: "Alice's laptop", status: .connected,
                    joiningMethod: .dialedIn, joiningInfo: ExecutionInfo(when: joinTime, by: alice),
                    media: [
                        EndpointMedia(id: "1", type: "audio", ssrc: 0x1A2B_3C4D, label: "audio-1", status: .sendrecv, displayText: "main audio"),
                        EndpointMedia(id: "2", type: "video", ssrc: 3_000_000_001, label: "video-1", status: .sendonly),
                    ]),
            ])
    }

    static var bobUser: ConferenceUser {
        ConferenceUser(
            entity: bob, displayText: "Bob Example", roles: ["attendee"],
            endpoints: [
                ConferenceEndpoint(
                    entity: "sip:bob@198.51.100.7:5062", status: .mutedViaFocus, joiningMethod: .dialedIn,
                    joiningInfo: ExecutionInfo(when: joinTime + 90),
                    media: [EndpointMedia(id: "1", type: "audio", ssrc: 42, label: "audio-1", status: .recvonly)]),
            ])
    }

    static var carolUser: ConferenceUser {
        ConferenceUser(
            entity: carol, displayText: "Carol Example", roles: ["attendee"],
            endpoints: [
                ConferenceEndpoint(
                    entity: "sip:carol@203.0.113.5:5060", status: .connected, joiningMethod: .dialedOut,
                    joiningInfo: ExecutionInfo(when: joinTime + 300, reason: "invited by the organizer", by: alice),
                    media: [EndpointMedia(id: "1", type: "audio", ssrc: 7_777, status: .sendrecv)]),
            ])
    }

    /// The meeting with Alice and Bob, version 1.
    static var meeting: ConferenceInfoDocument {
        .full(
            entity: conference, version: 1, description: description,
            hostInfo: HostInfo(displayText: "Acme on Consort", webPage: "https://acme.consort.example/"),
            active: true, locked: false, users: [aliceUser, bobUser])
    }
}
