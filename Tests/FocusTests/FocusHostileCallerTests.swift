import Focus
import MCUControl
import SIP
import SIPWire
import Testing
import TestSupport

/// The focus against callers who play the attacker: a second loopback address (127.0.0.2, 127.0.0.3 …) stands for
/// another host. On the recording fake MCU (moved from ConsortTests, where they ran on the embedded MCU).
@Suite("Focus on a fake MCU: hostile callers", .timeLimit(.minutes(1)))
struct FocusHostileCallerTests {
    @Test("an INVITE reusing a live call's Call-ID and From tag (published nowhere) is refused 482; the live call is untouched")
    func callIdentifiersCannotCutACall() async throws {
        try await withFocusBed { bed in
            let phone = try await bed.phone()
            let victim = try await phone.call("sip:room@127.0.0.1", port: bed.port).get()
            let callID = victim.dialog.id.callID, fromTag = victim.dialog.id.localTag
            let endpoint = try #require(await bed.endpoint(of: victim))
            let conference = try #require(bed.focus.liveConference(tenant: "default", id: "room"))
            _ = await eventually { await conference.roster.first?.status == .connected }
            let document = await conference.snapshot().conferenceInfo(version: 1).xml

            // The attacker, on another host, reuses the identifiers with an offer that cannot work.
            let attacker = try RawUDPSocket(address: "127.0.0.2")
            let body = "v=0\r\nbroken\r\n"
            let forged = """
                INVITE sip:room@127.0.0.1:\(bed.port) SIP/2.0\r
                Via: SIP/2.0/UDP 127.0.0.2:\(attacker.port);branch=z9hG4bK-forged-1;rport\r
                Max-Forwards: 70\r
                From: <sip:anyone@127.0.0.2>;tag=\(fromTag)\r
                To: <sip:room@127.0.0.1>\r
                Call-ID: \(callID)\r
                CSeq: 1 INVITE\r
                Contact: <sip:anyone@127.0.0.2:\(attacker.port)>\r
                Content-Type: application/sdp\r
                Content-Length: \(body.utf8.count)\r
                \r

                """ + body
            attacker.send(forged, port: bed.port, crlf: false)
            let answer = await attacker.receive(timeout: 5) { $0.hasPrefix("SIP/2.0 4") }
            let after = await conference.roster
            let onMCU = bed.mcu.endpoints(in: BedRooms.defaultRoom)?.keys.map(\.self) ?? []
            _ = try? await victim.dialog.bye()

            #expect(!endpoint.value.contains(callID) && !endpoint.value.contains(fromTag), "\(endpoint)")
            #expect(!document.contains(callID) && !document.contains(fromTag), "conference-info publishes no Call-ID or tag")
            #expect(answer?.hasPrefix("SIP/2.0 482") == true, "\(answer ?? "no answer")")
            #expect(after.count == 1 && after.first?.endpoint == endpoint && after.first?.status == .connected)
            #expect(onMCU == [endpoint], "the victim's media is still there")
        }
    }

    @Test("calls per source: over the limit a source gets 503 with Retry-After; another source still gets in; a trusted one is not limited")
    func callsPerSource() async throws {
        var settings = FocusConfiguration()
        settings.limits.callsPerSource = 3
        settings.limits.unauthenticatedCallsPerSource = 2
        try await withFocusBed(settings, trustedSources: ["127.0.0.4"]) { bed in
            let one = try await bed.phone(host: "127.0.0.2"), other = try await bed.phone(host: "127.0.0.3")
            let trusted = try await bed.phone(host: "127.0.0.4")
            var calls: [SIPOutgoingCall] = []
            for _ in 0..<2 { calls.append(try await one.call("sip:room@127.0.0.1", port: bed.port).get()) }
            let third = await one.call("sip:room@127.0.0.1", port: bed.port)
            let fromOther = await other.call("sip:room@127.0.0.1", port: bed.port)
            var trustedResults: [Result<SIPOutgoingCall, SIPError>] = []
            for _ in 0..<4 { trustedResults.append(await trusted.call("sip:room@127.0.0.1", port: bed.port)) }
            // A call that ends gives its place back.
            let ended = calls.removeFirst()
            let endedEndpoint = try #require(await bed.endpoint(of: ended))
            _ = try? await ended.dialog.bye()
            _ = await eventually { bed.mcu.calls.contains(.removeEndpoint(BedRooms.defaultRoom, endedEndpoint)) }
            let again = await one.call("sip:room@127.0.0.1", port: bed.port)

            for call in calls { _ = try? await call.dialog.bye() }
            for case .success(let call) in trustedResults + [fromOther, again] { _ = try? await call.dialog.bye() }

            guard case .failure(let refused) = third else {
                Issue.record("the third anonymous call from one source was let in")
                return
            }
            #expect(refused.response?.statusCode == 503, "\(refused)")
            #expect(refused.response?.headers.values("Retry-After").isEmpty == false)
            #expect(fromOther.status == 200, "another source is not limited by the first")
            #expect(trustedResults.allSatisfy { $0.status == 200 }, "a trusted source is exempt from the per-source limits")
            #expect(again.status == 200, "an ended call frees its place")
        }
    }

    static func lobbyTenant(lobbySize: Int) -> FocusConfiguration {
        var settings = FocusConfiguration()
        settings.limits.lobbySize = lobbySize
        var tenant = TenantConfiguration(id: "lobbyco")
        tenant.domains = ["lobby.test"]
        tenant.policy.lobby = .anonymous
        tenant.policy.maxParticipants = 1
        tenant.users = [UserConfiguration(name: "olga", password: "olga-pw")]
        var meeting = MeetingConfiguration(id: "room")
        meeting.organizer = "olga"
        tenant.meetings = [meeting]
        settings.tenants = [tenant]
        return settings
    }

    @Test("lobby squatting: waiting callers take no seat, the lobby has a size (486 past it), the organizer always gets in")
    func lobbySquatting() async throws {
        try await withFocusBed(Self.lobbyTenant(lobbySize: 2)) { bed in
            let squatter = try await bed.phone(host: "127.0.0.2"), late = try await bed.phone(host: "127.0.0.3")
            let organizerPhone = try await bed.phone(host: "127.0.0.4")
            var waiting: [SIPOutgoingCall] = []
            for _ in 0..<2 { waiting.append(try await squatter.call("sip:room@lobby.test", port: bed.port).get()) }
            let third = await late.call("sip:room@lobby.test", port: bed.port)
            let organizer = await organizerPhone.call(
                "sip:room@lobby.test", port: bed.port, credentials: SIPCredentials(username: "olga", password: "olga-pw"))
            let conference = bed.focus.liveConference(tenant: "lobbyco", id: "room")
            _ = await eventually { await conference?.roster.contains { $0.user == "olga" && $0.isInMix } == true }
            let roster = await conference?.roster ?? []
            let isolated = bed.mcu.addedEndpoints.filter { $0.mode == .lobby }.count

            for call in waiting { _ = try? await call.dialog.bye() }
            if case .success(let call) = organizer { _ = try? await call.dialog.bye() }

            guard case .failure(let refused) = third else {
                Issue.record("a third caller got into a lobby of two")
                return
            }
            #expect(refused.response?.statusCode == 486, "\(refused)")
            #expect(organizer.status == 200, "the organizer is never kept out by waiting callers: \(organizer)")
            #expect(roster.count(where: { $0.status == .pending && $0.waiting }) == 2)
            #expect(roster.contains { $0.user == "olga" && $0.isInMix })
            #expect(isolated == 2, "the waiting callers are in the lobby mode at the MCU (isolated, answered sendonly)")
        }
    }

    @Test("password guessing: after secretFailuresPerSource wrong passwords a source is refused even the right one; another source is not")
    func passwordBackoff() async throws {
        var settings = FocusHostileCallerTests.acme()
        settings.limits.secretFailuresPerSource = 3
        try await withFocusBed(settings) { bed in
            let guesser = try await bed.phone(host: "127.0.0.2"), owner = try await bed.phone(host: "127.0.0.3")
            var statuses: [Int] = []
            for password in ["a", "b", "c", "alice-pw"] {
                let result = await guesser.call("sip:weekly@acme.test", port: bed.port, credentials: SIPCredentials(username: "alice", password: password))
                statuses.append(result.status)
                if case .success(let call) = result { _ = try? await call.dialog.bye() }
            }
            let refusal = await guesser.call("sip:weekly@acme.test", port: bed.port, credentials: SIPCredentials(username: "alice", password: "alice-pw"))
            let fromOwner = await owner.call("sip:weekly@acme.test", port: bed.port, credentials: SIPCredentials(username: "alice", password: "alice-pw"))
            if case .success(let call) = fromOwner { _ = try? await call.dialog.bye() }
            #expect(statuses == [403, 403, 403, 403], "three wrong, then even the right password waits: \(statuses)")
            guard case .failure(let error) = refusal else {
                Issue.record("the guessing source got in")
                return
            }
            #expect(error.response?.reason.contains("retry in") == true, "\(error.response?.reason ?? "")")
            #expect(fromOwner.status == 200, "the user from their own address still gets in")
        }
    }

    @Test("password backoff ends: once the backoff has passed on the focus's clock, the right password gets in again")
    func passwordBackoffEnds() async throws {
        var settings = FocusHostileCallerTests.acme()
        settings.limits.secretFailuresPerSource = 1
        settings.limits.secretBackoffSeconds = 30
        try await withFocusBed(settings) { bed in
            let guesser = try await bed.phone(host: "127.0.0.2")
            let wrong = await guesser.call("sip:weekly@acme.test", port: bed.port, credentials: SIPCredentials(username: "alice", password: "x"))
            await bed.clock.advance(seconds: 29)
            let waiting = await guesser.call("sip:weekly@acme.test", port: bed.port, credentials: SIPCredentials(username: "alice", password: "alice-pw"))
            await bed.clock.advance(seconds: 1)
            let right = await guesser.call("sip:weekly@acme.test", port: bed.port, credentials: SIPCredentials(username: "alice", password: "alice-pw"))
            if case .success(let call) = right { _ = try? await call.dialog.bye() }
            #expect(wrong.status == 403 && waiting.status == 403)
            #expect(right.status == 200, "the backoff is over after 30 s of the focus's time")
        }
    }

    /// Tenant acme: members only (alice organizes "weekly"), no ad hoc meetings; SHA-256 digest offered first.
    static func acme() -> FocusConfiguration {
        var settings = FocusConfiguration()
        var acme = TenantConfiguration(id: "acme")
        acme.domains = ["acme.test"]
        acme.policy.anonymousJoin = false
        acme.policy.adHocMeetings = false
        acme.users = [
            UserConfiguration(name: "alice", displayName: "Alice A", password: "alice-pw"), UserConfiguration(name: "bob", password: "bob-pw"),
        ]
        var weekly = MeetingConfiguration(id: "weekly")
        weekly.organizer = "alice"
        acme.meetings = [weekly]
        settings.tenants = [acme]
        return settings
    }

    @Test("bindings per address of record are bounded: a REGISTER adding one too many is refused 403; refreshing one is not")
    func bindingsPerAddressOfRecord() async throws {
        var settings = Self.acme()
        settings.limits.bindingsPerAddressOfRecord = 2
        try await withFocusBed(settings) { bed in
            let phone = try await bed.phone()
            let peer = try SIPPeer(transport: .udp, ipAddress: "127.0.0.1", port: bed.port)
            let aor = try #require(SIPURI("sip:alice@acme.test"))
            let credentials = SIPCredentials(username: "alice", password: "alice-pw")
            func register(_ port: Int) async throws -> Int {
                try await phone.agent.request(
                    .register, to: aor, from: SIPNameAddress(uri: aor), headers: [("Contact", "<sip:alice@127.0.0.1:\(port)>"), ("Expires", "600")],
                    via: peer, credentials: credentials
                ).statusCode
            }
            let first = try await register(5_990), second = try await register(5_992), third = try await register(5_994)
            let refresh = try await register(5_990)
            #expect(first == 200 && second == 200)
            #expect(third == 403, "a third binding past a limit of two")
            #expect(refresh == 200, "refreshing a binding adds none")
        }
    }

    @Test("dial-out cannot be aimed anywhere: loopback, private and unlisted targets are refused before any packet; a rate limit per minute of the focus's clock")
    func dialOutPolicy() async throws {
        var settings = FocusConfiguration()
        var acme = TenantConfiguration(id: "acme")
        acme.domains = ["acme.test"]
        acme.dialOut.perMinute = 2
        acme.dialOut.concurrent = 5
        var lab = TenantConfiguration(id: "lab")
        lab.domains = ["lab.test"]
        lab.dialOut.allowedNetworks = ["127.0.0.0/8"]
        lab.dialOut.perMinute = 2
        lab.dialOut.concurrent = 5
        settings.tenants = [acme, lab]
        try await withFocusBed(settings) { bed in
            let watcher = try RawUDPSocket(address: "127.0.0.1")
            let conference = try bed.focus.conference(tenant: "acme", id: "room")
            var refusals: [ControlError.Code] = []
            for target in ["sip:x@127.0.0.1:\(watcher.port)", "sip:x@10.0.0.1", "sip:root@169.254.169.254", "sip:+19005550100@acme.test", "sip:x@elsewhere.test"] {
                do throws(ControlError) {
                    _ = try await bed.focus.dialOut(conference, to: target, requestedBy: "mallory")
                } catch {
                    refusals.append(error.code)
                }
            }
            let mcuCallsAfterRefusals = bed.mcu.calls.count
            // A tenant that lists loopback may call it, at most perMinute times a minute.
            let labRoom = try bed.focus.conference(tenant: "lab", id: "room")
            func dial() async -> Bool {
                do {
                    _ = try await bed.focus.dialOut(labRoom, to: "sip:x@127.0.0.1:\(watcher.port)", requestedBy: "lab-admin")
                    return true
                } catch {
                    return false
                }
            }
            var labResults: [Bool] = []
            for _ in 0..<3 { labResults.append(await dial()) }
            let invite = await watcher.receive(timeout: 5) { $0.hasPrefix("INVITE ") }
            await bed.clock.advance(seconds: 61)
            let nextMinute = await dial()
            #expect(refusals == [.forbidden, .forbidden, .forbidden, .forbidden, .forbidden], "\(refusals)")
            #expect(mcuCallsAfterRefusals == 0, "a refused dial-out asks nothing of the MCU")
            #expect(labResults == [true, true, false], "perMinute 2: \(labResults)")
            #expect(invite != nil, "the allowed dial-out was placed")
            #expect(nextMinute, "a minute later the tenant may dial out again")
        }
    }

    @Test("a call arriving while the last one's conference is being taken off the MCU gets a new conference there, with its media")
    func rejoinWhileClosing() async throws {
        try await withFocusBed { bed in
            let phone = try await bed.phone(host: "127.0.0.2"), next = try await bed.phone(host: "127.0.0.3")
            let first = try await phone.call("sip:churn@127.0.0.1", port: bed.port).get()
            let churn = ConferenceID(tenant: "default", meeting: "churn")
            let closing = try #require(bed.focus.liveConference(tenant: "default", id: "churn"))
            // The MCU takes its time to remove the emptied conference: the next call lands in the middle of it.
            bed.mcu.holdRemovals()
            _ = try await first.dialog.bye()
            let removing = await eventually { bed.mcu.calls.contains(.removeConference(churn)) }
            let joining = Task { await next.call("sip:churn@127.0.0.1", port: bed.port) }
            let seatedInNew = await eventually {
                guard let live = bed.focus.liveConference(tenant: "default", id: "churn"), live !== closing else { return false }
                return await live.roster.count == 1
            }
            bed.mcu.releaseRemovals()
            let second = await joining.value
            let endpoint: EndpointID? = if case .success(let call) = second { await bed.endpoint(of: call) } else { nil }
            let onMCU = bed.mcu.endpoints(in: churn).map { Array($0.keys) } ?? []
            let names = bed.mcu.callNames
            if case .success(let call) = second { _ = try? await call.dialog.bye() }

            #expect(removing && seatedInNew, "the second caller was seated while the first conference was being removed")
            #expect(second.status == 200)
            #expect(endpoint != nil && onMCU == [endpoint].compactMap { $0 }, "answered with media on the MCU: \(names)")
            let removal = names.firstIndex(of: "removeConference") ?? .max
            #expect(names.lastIndex(of: "addConference").map { $0 > removal } == true, "the conference was added again after the removal: \(names)")
        }
    }
}

/// Conference IDs the hostile-caller tests use.
enum BedRooms {
    static let defaultRoom = ConferenceID(tenant: "default", meeting: "room")
}
