import Focus
import MCUControl
import SIP
import SIPWire
import Testing

/// A caller's way in and out, as the MCU sees it: the control calls the focus makes for a join, a leave and the last
/// leave, and the SIP answer it gives for each way the MCU can refuse. Real SIP on loopback; a recording fake MCU.
@Suite("Focus on a fake MCU: joining and leaving", .timeLimit(.minutes(1)))
struct FocusJoinFlowTests {
    static func settings() -> FocusConfiguration {
        var settings = FocusConfiguration()
        var acme = TenantConfiguration(id: "acme")
        acme.domains = ["acme.test"]
        settings.tenants = [acme]
        return settings
    }

    static let room = ConferenceID(tenant: "acme", meeting: "room")

    @Test("a join puts the conference on the MCU, then the endpoint: the tenant's conference, in the mix, media allowed from the caller's address")
    func joinReachesMCU() async throws {
        try await withFocusBed(Self.settings()) { bed in
            let phone = try await bed.phone(host: "127.0.0.2")
            let offer = TestPhone.offer(host: "127.0.0.2", port: 41_000)
            let result = await phone.call("sip:room@acme.test", port: bed.port, offer: offer)
            let call = try result.get()
            let answer = String(decoding: call.response.body, as: UTF8.self)
            let names = bed.mcu.callNames
            let calls = bed.mcu.calls
            let endpoint = await bed.endpoint(of: call)
            let conference = bed.focus.liveConference(tenant: "acme", id: "room")
            let connected = await eventually { await conference?.roster.first?.status == .connected }
            let roster = await conference?.roster ?? []
            _ = try? await call.dialog.bye()

            #expect(Array(names.prefix(2)) == ["addConference", "addEndpoint"], "\(names)")
            #expect(calls.first == .addConference(Self.room))
            guard calls.count > 1, case .addEndpoint(let request) = calls[1] else {
                Issue.record("no addEndpoint: \(calls)")
                return
            }
            #expect(request.conference == Self.room && request.endpoint == endpoint)
            #expect(request.mode == .conference && request.signallingSource == "127.0.0.2" && request.offer == offer)
            #expect(request.advertisedAddress == "127.0.0.1" && request.policy == EndpointPolicy())
            #expect(answer.contains("m=audio 2") && answer.contains("c=IN IP4 127.0.0.1"), "the 200 OK carries the MCU's answer: \(answer)")
            #expect(connected && roster.map(\.endpoint) == [endpoint].compactMap { $0 })
        }
    }

    @Test("the MCU's capacity refusal is 503 with Retry-After; the roster and the MCU keep the caller already in")
    func capacityRefusal() async throws {
        try await withFocusBed(Self.settings()) { bed in
            let phone = try await bed.phone(host: "127.0.0.2")
            let first = try await phone.call("sip:room@acme.test", port: bed.port).get()
            let seated = await bed.endpoint(of: first)
            let conference = bed.focus.liveConference(tenant: "acme", id: "room")
            _ = await eventually { await conference?.roster.first?.status == .connected }
            bed.mcu.fail(.addEndpoint, with: MCUControlError(.capacity, "no RTP ports left"))
            let refused = await phone.call("sip:room@acme.test", port: bed.port)
            let roster = await conference?.roster ?? []
            let onMCU = bed.mcu.endpoints(in: Self.room).map { Array($0.keys) } ?? []
            let names = bed.mcu.callNames
            _ = try? await first.dialog.bye()

            guard case .failure(let error) = refused else {
                Issue.record("a caller the MCU had no room for got in")
                return
            }
            #expect(error.response?.statusCode == 503, "\(error)")
            #expect(error.response?.headers.values("Retry-After").isEmpty == false)
            #expect(roster.map(\.endpoint) == [seated].compactMap { $0 }, "the roster holds only the first caller")
            #expect(onMCU == [seated].compactMap { $0 })
            #expect(!names.contains("removeConference"), "the conference stays: \(names)")
        }
    }

    @Test("an offer the MCU cannot answer is refused 488 with the reason in Warning; nothing is left behind")
    func unacceptableOffer() async throws {
        try await withFocusBed(Self.settings()) { bed in
            let phone = try await bed.phone(host: "127.0.0.2")
            let amrOnly = "v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio 41000 RTP/AVP 96\r\na=rtpmap:96 AMR/8000\r\n"
            let refused = await phone.call("sip:room@acme.test", port: bed.port, offer: amrOnly)
            let participants = bed.focus.participantCount
            let names = bed.mcu.callNames

            guard case .failure(let error) = refused else {
                Issue.record("an AMR-only offer was accepted")
                return
            }
            #expect(error.response?.statusCode == 488, "\(error)")
            #expect(error.response?.headers.values("Warning").first?.contains("399 consort") == true)
            #expect(participants == 0)
            #expect(names == ["addConference", "addEndpoint", "removeEndpoint", "removeConference"], "\(names)")
        }
    }

    @Test("BYE removes the endpoint at once; the last leaver's conference leaves the MCU only after the grace period")
    func leavingAndLastLeaver() async throws {
        try await withFocusBed(Self.settings(), graceSeconds: 10) { bed in
            let phone = try await bed.phone(host: "127.0.0.2")
            let first = try await phone.call("sip:room@acme.test", port: bed.port).get()
            let second = try await phone.call("sip:room@acme.test", port: bed.port).get()
            let (one, two) = (try #require(await bed.endpoint(of: first)), try #require(await bed.endpoint(of: second)))
            _ = try await first.dialog.bye()
            let firstRemoved = await eventually { bed.mcu.calls.contains(.removeEndpoint(Self.room, one)) }
            _ = try await second.dialog.bye()
            let secondRemoved = await eventually { bed.mcu.calls.contains(.removeEndpoint(Self.room, two)) }
            let armed = await bed.clock.waitUntilArmed(seconds: 10)
            await bed.clock.advance(seconds: 9)
            let early = bed.mcu.callNames.contains("removeConference")
            await bed.clock.advance(seconds: 1)
            let removed = await eventually { bed.mcu.calls.contains(.removeConference(Self.room)) }
            let live = bed.focus.liveConference(tenant: "acme", id: "room")

            #expect(firstRemoved && secondRemoved)
            #expect(armed, "the empty conference's grace timer was armed")
            #expect(!early, "removed before its grace period ended")
            #expect(removed && live == nil, "the empty conference went after 10 s")
        }
    }

    @Test("a re-INVITE's ACK tells the MCU the phone has its answer (answerConfirmed: a held-back new key takes effect); an UPDATE, which has no ACK, does not")
    func reinviteACKConfirmsAnswer() async throws {
        try await withFocusBed(Self.settings()) { bed in
            let phone = try await bed.phone(host: "127.0.0.2")
            let call = try await phone.call("sip:room@acme.test", port: bed.port, offer: TestPhone.offer(host: "127.0.0.2", port: 41_000)).get()
            let endpoint = await bed.endpoint(of: call)
            @Sendable func confirmations() -> [ModifyEndpointRequest] {
                bed.mcu.calls.compactMap { call -> ModifyEndpointRequest? in
                    guard case .modifyEndpoint(let request) = call, request.answerConfirmed else { return nil }
                    return request
                }
            }
            let initialConfirmations = confirmations().count
            let refresh = Array(TestPhone.offer(host: "127.0.0.2", port: 41_000).utf8)
            let update = try await call.dialog.request(.update, body: refresh, contentType: "application/sdp")
            try await Task.sleep(for: .milliseconds(300))
            let afterUpdate = confirmations().count
            let reinvite = try await call.dialog.request(.invite, body: refresh, contentType: "application/sdp")
            let confirmed = await eventually { confirmations().count == 1 }
            let confirmation = confirmations().first
            _ = try? await call.dialog.bye()

            #expect(update.statusCode == 200 && reinvite.statusCode == 200)
            #expect(initialConfirmations == 0, "the first INVITE's ACK confirms nothing: its answer set the keys")
            #expect(afterUpdate == 0, "an UPDATE has no ACK")
            #expect(confirmed, "the re-INVITE's ACK reached the MCU as answerConfirmed: \(bed.mcu.callNames)")
            #expect(confirmation?.endpoint == endpoint && confirmation?.conference == Self.room)
            #expect(confirmation?.offer == nil && confirmation?.answer == nil && confirmation?.mode == nil)
        }
    }
}
