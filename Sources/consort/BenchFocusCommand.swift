import ArgumentParser
import Focus
import FocusSQLite
import Foundation
import Logging
import MCUControl
import MediaCore
import SIP
import SIPWire
import Synchronization

/// `consort bench focus`: join latency and conference-event fan-out, with the real focus, MCU, store and SIP stack on
/// loopback.
struct FocusBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "focus",
        abstract: "Measure join latency (INVITE to 200 OK) and NOTIFY fan-out to conference-event subscribers.",
        discussion: """
            Starts the focus with an embedded MCU and a SQLite store in a temporary folder on 127.0.0.1, subscribes \
            --subscribers times to one meeting (RFC 4575, one SIP client holding every subscription), then has \
            --joins callers join one after the other (each INVITE carries an SDP offer; the MCU allocates ports and \
            answers) and leave again. Reported: INVITE→200 time per join, and the time from the 200 until every \
            subscriber has received the NOTIFY that shows the caller.
            """
    )

    @Option(help: "Conference-event subscriptions to the meeting.") var subscribers = 100
    @Option(help: "Callers who join one after the other.") var joins = 30
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func run() async throws {
        var logger = Logger(label: "consort.bench.focus")
        logger.logLevel = .error
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-bench-focus-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteFocusStore(path: folder.appendingPathComponent("focus.sqlite").path)
        var settings = FocusConfiguration()
        var tenant = TenantConfiguration(id: "bench")
        tenant.domains = ["bench.test"]
        tenant.policy.maxParticipants = max(100, joins + 10)
        settings.tenants = [tenant]
        settings.maxSubscriptionSeconds = 3600
        let directory = try await Focus.prepare(store: store, configuration: settings)
        var media = MCUConfiguration()
        media.rtpPorts = "42000-42999"
        media.maxTenantPortShare = 1  // one tenant: the share per tenant protects others, and there are none
        media.bindAddress = "127.0.0.1"
        media.loops = 1
        let mcu = try EmbeddedMCU(configuration: media, mixer: .init(), opus: .init(), logger: logger)
        var sip = SIPConfiguration()
        sip.address = "127.0.0.1"
        sip.port = 0
        // The bench's own client holds every subscription and places every call from 127.0.0.1: it is the provider's
        // load generator, measuring the focus, not the per-source limits.
        sip.trustedSources = ["127.0.0.1/32"]
        let server = SIPUserAgent(configuration: sip, logger: logger)
        guard let port = try await server.start().first?.port else { throw ValidationError("the focus did not bind") }
        async let serverWork: Void = server.run()
        var focusConfiguration = Focus.Configuration()
        focusConfiguration.focus = settings
        focusConfiguration.contactPort = port
        // The measuring client is one loopback source with hundreds of subscriptions: trusted, as an operator trusts
        // their own load generator, so the per-source limits do not cap what is measured.
        focusConfiguration.isTrustedSource = { $0 == "127.0.0.1" }
        let focus = Focus(agent: server, mcu: mcu, store: store, directory: directory, configuration: focusConfiguration, logger: logger)
        async let focusWork: Void = focus.run()
        await focus.install()

        let client = SIPUserAgent(configuration: sip, logger: logger)
        _ = try await client.start()
        async let clientWork: Void = client.run()
        let arrivals = NotifyArrivals()
        await client.setHandler(.notify) { incoming in
            arrivals.record(String(decoding: incoming.request.body, as: UTF8.self))
            await incoming.respond(200)
        }
        let peer = try SIPPeer(transport: .udp, ipAddress: "127.0.0.1", port: port)
        guard let room = SIPURI("sip:room@bench.test") else { throw ValidationError("bad URI") }
        var dialogs: [SIPDialogHandle] = []
        for _ in 0..<subscribers {
            let (response, dialog) = try await client.requestDialog(
                .subscribe, to: room, headers: [("Event", "conference"), ("Expires", "600"), ("Accept", "application/conference-info+xml")],
                via: peer)
            guard response.statusCode == 200, let dialog else { throw ValidationError("SUBSCRIBE answered \(response.statusCode)") }
            dialogs.append(dialog)
        }
        _ = try await arrivals.wait(count: subscribers, timeout: 10) { $0.contains("conference-info") }

        var joinTimes: [Double] = []
        var fanOutTimes: [Double] = []
        for i in 0..<joins {
            let caller = "caller\(i)"
            let offer =
                "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio \(43_000 + 2 * i) RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
            arrivals.reset()
            let start = ContinuousClock.now
            let call = try await client.invite(
                room, from: SIPNameAddress(uri: SIPURI(user: caller, host: "callers.bench.test")), body: Array(offer.utf8), via: peer)
            let answered = ContinuousClock.now
            // The NOTIFY that shows the caller connected (an earlier one showed them dialing in).
            let notified = try await arrivals.wait(count: subscribers, timeout: 10) {
                $0.contains("sip:\(caller)@callers.bench.test\"") && $0.contains("<status>connected</status>")
            }
            joinTimes.append(Self.milliseconds(answered - start))
            fanOutTimes.append(max(0, Self.milliseconds(notified - answered)))
            _ = try? await call.dialog.bye()
        }
        for dialog in dialogs { await dialog.end(reason: "bench over") }
        await focus.endAll(within: 1)
        await mcu.shutdown()
        await client.stop()
        await server.stop()
        await clientWork
        await serverWork
        focus.stop()
        await focusWork

        let report = [
            "subscribers": Double(subscribers), "joins": Double(joins),
            "joinMillisecondsMedian": Self.percentile(joinTimes, 0.5), "joinMillisecondsP95": Self.percentile(joinTimes, 0.95),
            "joinMillisecondsMax": joinTimes.max() ?? 0,
            "fanOutMillisecondsMedian": Self.percentile(fanOutTimes, 0.5), "fanOutMillisecondsP95": Self.percentile(fanOutTimes, 0.95),
            "fanOutMillisecondsMax": fanOutTimes.max() ?? 0,
        ]
        if json {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("focus on 127.0.0.1, \(subscribers) conference-event subscribers, \(joins) joins one after the other")
            print(String(format: "join (INVITE → 200 OK):            median %.2f ms   p95 %.2f ms   max %.2f ms",
                report["joinMillisecondsMedian"] ?? 0, report["joinMillisecondsP95"] ?? 0, report["joinMillisecondsMax"] ?? 0))
            print(String(format: "fan-out (200 OK → last NOTIFY in):  median %.2f ms   p95 %.2f ms   max %.2f ms",
                report["fanOutMillisecondsMedian"] ?? 0, report["fanOutMillisecondsP95"] ?? 0, report["fanOutMillisecondsMax"] ?? 0))
        }
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }
}

/// NOTIFY bodies as they arrive, counted by content.
final class NotifyArrivals: Sendable {
    private struct State {
        var bodies: [(String, ContinuousClock.Instant)] = []
    }
    private let state = Mutex(State())

    func record(_ body: String) { state.withLock { $0.bodies.append((body, .now)) } }
    func reset() { state.withLock { $0.bodies.removeAll(keepingCapacity: true) } }

    /// Waits until `count` bodies match; returns when the last of them arrived.
    func wait(count: Int, timeout: Double, _ matches: @Sendable (String) -> Bool) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            let found = state.withLock { s in s.bodies.filter { matches($0.0) }.map(\.1) }
            if found.count >= count, let last = found.max() { return last }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw ValidationError("fewer than \(count) subscribers were told within \(timeout) s")
    }
}
