import Focus
import MCUControl
import SIP
import SIPWire
import Testing

/// Identity and policy on the way to the MCU (moved from ConsortTests, where they ran on the embedded MCU).
@Suite("Focus on a fake MCU: identity and policy", .timeLimit(.minutes(1)))
struct FocusPolicyTests {
    @Test("SHA-256 digest (RFC 8760, offered first): the SIP stack's own client joins as alice, the meeting's organizer")
    func sha256Join() async throws {
        var settings = FocusHostileCallerTests.acme()
        settings.digestAlgorithms = [.sha256, .md5]
        try await withFocusBed(settings) { bed in
            let phone = try await bed.phone()
            let peer = try SIPPeer(transport: .udp, ipAddress: "127.0.0.1", port: bed.port)
            let options = try await phone.agent.request(.options, to: try #require(SIPURI("sip:weekly@acme.test")), via: peer)
            let call = try await phone.call("sip:weekly@acme.test", port: bed.port, credentials: SIPCredentials(username: "alice", password: "alice-pw")).get()
            let conference = bed.focus.liveConference(tenant: "acme", id: "weekly")
            _ = await eventually { await conference?.roster.first?.status == .connected }
            let alice = await conference?.roster.first
            let label = bed.mcu.addedEndpoints.first?.label
            _ = try? await call.dialog.bye()
            #expect(options.statusCode == 200)
            #expect(call.response.statusCode == 200)
            #expect(alice?.user == "alice" && alice?.role == .organizer && alice?.displayName == "Alice A")
            #expect(alice?.uri == "sip:alice@acme.test" && alice?.joiningMethod == .dialedIn)
            #expect(label == "sip:alice@acme.test", "the MCU knows the endpoint by the authenticated identity")
        }
    }

    @Test("policy reaches the MCU: video off answers m=video 0, mute on entry mutes attendees at the MCU, SRTP required refuses plain RTP with 488")
    func policyReachesMedia() async throws {
        var settings = FocusConfiguration()
        var strict = TenantConfiguration(id: "strict")
        strict.domains = ["strict.test"]
        strict.policy.videoAllowed = false
        strict.policy.muteOnEntry = true
        var secure = TenantConfiguration(id: "secure")
        secure.domains = ["secure.test"]
        secure.policy.plainRTPAllowed = false
        settings.tenants = [strict, secure]
        try await withFocusBed(settings) { bed in
            let phone = try await bed.phone()
            let offer = """
                v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
                m=audio 41000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n\
                m=video 41002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n
                """
            let call = try await phone.call("sip:town@strict.test", port: bed.port, offer: offer).get()
            let answer = String(decoding: call.response.body, as: UTF8.self)
            let town = bed.focus.liveConference(tenant: "strict", id: "town")
            let mutedInRoster = await eventually { await town?.roster.first?.status == .mutedViaFocus }
            let entry = await town?.roster.first
            let request = bed.mcu.addedEndpoints.first
            _ = try? await call.dialog.bye()
            let refused = await phone.call("sip:vault@secure.test", port: bed.port, offer: offer)
            let secureRequest = bed.mcu.addedEndpoints.last
            #expect(answer.contains("m=video 0 "), "\(answer)")
            #expect(mutedInRoster && entry?.muted == true)
            #expect(request?.policy == EndpointPolicy(allowVideo: false, allowPlainRTP: true, muted: true), "muted at the MCU (ingress filter)")
            #expect(secureRequest?.policy.allowPlainRTP == false)
            #expect(refused.status == 488)
        }
    }
}
