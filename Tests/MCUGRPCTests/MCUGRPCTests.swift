import AudioMixer
import Logging
import MCUControl
@testable import MCUGRPC
import MediaCore
import OpusCodec
import Synchronization
import Testing

/// MCUControl over gRPC on loopback (issue 11, "Control: gRPC"): the real MCU answers through the server as it does in
/// process; control errors keep their code and reason; events and load reports arrive on the Watch stream; a wrong
/// token or revision is refused and logged; a slow MCU hits the deadline; a draining instance takes no new conference.
@Suite("MCUControl over gRPC", .serialized, .timeLimit(.minutes(1)))
struct MCUGRPCTests {
    static let token = "s3cret-token"

    /// A server for `mcu` on 127.0.0.1 (a free port) and a client for it; stops both.
    func withServer<T>(
        _ mcu: any MCUController, token: String = token, callTimeout: Duration = .seconds(2), logs: LogRecorder? = nil,
        refusals: MCUControlRefusals = MCUControlRefusals(), _ body: (MCUControlServer, GRPCMCUController) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "mcu-grpc") { label in logs.map { $0.handler(label: label) } ?? SwiftLogNoOpLogHandler() }
        logger.logLevel = .info
        let server = MCUControlServer(
            mcu: mcu, identity: MCUInstanceIdentity(id: "mcu-a", mediaAddress: "127.0.0.1", loops: 1), host: "127.0.0.1", port: 0,
            token: Self.token, logger: logger, refusals: refusals)
        let serving = Task { try await server.run() }
        defer {
            server.stop()
            serving.cancel()
        }
        let port = try #require(await server.listeningPort())
        let client = try GRPCMCUController(host: "127.0.0.1", port: port, token: token, callTimeout: callTimeout, logger: logger)
        Task { await client.run() }  // ends at its shutdown()
        defer { client.shutdown() }
        return try await body(server, client)
    }

    static func offer(port: Int) -> String {
        "v=0\r\no=phone 1 1 IN IP4 127.0.0.9\r\ns=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\nm=audio \(port) RTP/AVP 0 101\r\n"
            + "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
    }

    @Test("the real MCU over gRPC: Hello, a conference, an endpoint answered, re-INVITE, statistics, load, removal; errors keep code and reason")
    func realMCU() async throws {
        var configuration = MCUConfiguration()
        configuration.rtpPorts = "21000-21099"
        configuration.bindAddress = "127.0.0.1"
        configuration.loops = 1
        let network = MemoryNetwork()
        let mcu = try EmbeddedMCU(
            configuration: configuration, mixer: MixerConfiguration(), opus: OpusEncoderSettings(), logger: Logger(label: "mcu"),
            transport: .memory(network), manualTicks: true)
        try await withServer(mcu) { server, client in
            let hello = try await client.hello(focus: "test")
            #expect(hello.id == "mcu-a" && hello.mediaAddress == "127.0.0.1" && hello.loops == 1)
            let room = ConferenceID(tenant: "acme", meeting: "room")
            try await client.addConference(room, epoch: 7)
            let answer = try await client.addEndpoint(
                AddEndpointRequest(conference: room, endpoint: EndpointID("ep-1"), offer: Self.offer(port: 40_000), advertisedAddress: "127.0.0.1", label: "alice"))
            #expect(answer.answer.contains("m=audio ") && answer.answer.contains("PCMU/8000"), "\(answer.answer)")
            #expect(answer.media.first?.accepted == true && answer.media.first?.codec?.uppercased() == "PCMU")
            let held = try await client.modifyEndpoint(
                ModifyEndpointRequest(
                    conference: room, endpoint: EndpointID("ep-1"), offer: Self.offer(port: 40_000).replacingOccurrences(of: "sendrecv", with: "sendonly")
                        .replacingOccurrences(of: "1 1 IN", with: "1 2 IN")))
            #expect(held?.media.first?.direction == "recvonly", "\(String(describing: held?.media))")
            let muted = try await client.modifyEndpoint(ModifyEndpointRequest(conference: room, endpoint: EndpointID("ep-1"), muted: true))
            #expect(muted == nil)
            let statistics = await client.statistics(room)
            #expect(statistics?.endpoints.map(\.label) == ["alice"] && statistics?.endpoints.first?.muted == true)
            #expect(await client.statistics(ConferenceID(tenant: "acme", meeting: "none")) == nil)
            let conferences = try await client.conferences()
            #expect(conferences.map(\.conference) == [room] && conferences.first?.epoch == 7 && conferences.first?.endpoints == 1)
            let load = await client.load()
            #expect(load.conferences == 1 && load.endpoints == 1 && load.loops == 1)

            await #expect(throws: MCUControlError(.notAcceptable, "")) {
                try await client.addEndpoint(
                    AddEndpointRequest(conference: room, endpoint: EndpointID("ep-2"), offer: "v=0\r\nnonsense", advertisedAddress: "127.0.0.1"))
            }
            do throws(MCUControlError) {
                _ = try await client.modifyEndpoint(ModifyEndpointRequest(conference: ConferenceID(tenant: "acme", meeting: "gone"), endpoint: EndpointID("x"), muted: true))
                Issue.record("a missing conference was modified")
            } catch {
                #expect(error.code == .notFound && error.reason.contains("acme/gone"), "the MCU's reason travels: \(error.reason)")
            }
            await client.removeEndpoint(room, EndpointID("ep-1"))
            await client.removeConference(room)
            #expect(try await client.conferences().isEmpty)
            #expect(server.conferences.isEmpty)
        }
        await mcu.shutdown()
    }

    @Test("events and load reports come on the Watch stream; health records the last report")
    func watchStream() async throws {
        let mcu = ScriptedMCU()
        try await withServer(mcu) { _, client in
            let events = Mutex<[MCUEvent]>([])
            client.startWatching(loadInterval: .milliseconds(100)) { event in events.withLock { $0.append(event) } }
            let reported = await eventually { client.health.reportedAt != nil && client.health.streamUp }
            #expect(reported, "a load report arrived")
            #expect(client.health.load?.conferences == 3)
            let room = ConferenceID(tenant: "t", meeting: "m")
            mcu.emit(.dtmf(room, EndpointID("e"), digit: "5"))
            mcu.emit(.mediaTimeout(room, EndpointID("e"), seconds: 30))
            mcu.emit(.selfMute(room, EndpointID("e"), muted: true))
            mcu.emit(.announcementFinished(room, EndpointID("e"), prompt: "welcome"))
            let arrived = await eventually { events.withLock { $0.count } == 4 }
            #expect(arrived)
            #expect(events.withLock { $0 } == [
                .dtmf(room, EndpointID("e"), digit: "5"), .mediaTimeout(room, EndpointID("e"), seconds: 30),
                .selfMute(room, EndpointID("e"), muted: true), .announcementFinished(room, EndpointID("e"), prompt: "welcome"),
            ])
        }
    }

    @Test("a wrong or missing token is refused (and logged with the caller); a wrong protocol revision is refused naming both")
    func authentication() async throws {
        let logs = LogRecorder()
        try await withServer(ScriptedMCU(), token: "wrong", logs: logs) { server, client in
            do throws(MCUControlError) {
                _ = try await client.hello(focus: "intruder")
                Issue.record("a wrong token was accepted")
            } catch {
                #expect(error.reason.contains("token is missing or wrong"), "\(error.reason)")
            }
            #expect(logs.messages.contains { $0.contains("MCU control call refused: missing or wrong token") }, "\(logs.messages)")
            // A caller of another revision (the same token).
            let port = try #require(await server.listeningPort())
            let stub = try GRPCMCUController(host: "127.0.0.1", port: port, token: Self.token, logger: Logger(label: "t"), revision: 99)
            Task { await stub.run() }  // ends at its shutdown()
            defer { stub.shutdown() }
            do throws(MCUControlError) {
                _ = try await stub.hello(focus: "future")
                Issue.record("revision 99 was accepted")
            } catch {
                #expect(error.reason.contains("revision 99") && error.reason.contains("accepts revisions 1–1"), "\(error.reason)")
            }
        }
    }

    @Test("a flood of refused calls is logged at warning once per source and reason per interval, with the count held back; every refusal is counted")
    func refusalFlood() async throws {
        let logs = LogRecorder()
        let clock = ManualSeconds()
        let refusals = MCUControlRefusals(intervalSeconds: 60, now: { clock.now })
        try await withServer(ScriptedMCU(), token: "wrong", logs: logs, refusals: refusals) { server, client in
            func knock(_ times: Int) async {
                for _ in 0..<times {
                    do throws(MCUControlError) { _ = try await client.hello(focus: "intruder") } catch {}
                }
            }
            func warnings() -> [LogRecorder.Record] {
                logs.records.filter { $0.level == .warning && $0.message.contains("MCU control call refused") }
            }
            await knock(50)
            #expect(refusals.count(.wrongToken) == 50, "every refusal counted")
            #expect(warnings().count == 1 && warnings().first?.metadata["heldBack"] == "0", "\(warnings())")
            #expect(warnings().first?.metadata["peer"]?.hasPrefix("ipv4:127.0.0.1:") == true, "\(warnings())")
            clock.advance(by: 59)
            await knock(1)
            #expect(warnings().count == 1, "still within the minute")
            clock.advance(by: 2)
            await knock(1)
            #expect(warnings().count == 2 && warnings().last?.metadata["heldBack"] == "50", "\(warnings())")
            // Another reason from the same source has its own line.
            let port = try #require(await server.listeningPort())
            let stub = try GRPCMCUController(host: "127.0.0.1", port: port, token: Self.token, logger: Logger(label: "t"), revision: 99)
            Task { await stub.run() }  // ends at its shutdown()
            defer { stub.shutdown() }
            for _ in 0..<5 {
                do throws(MCUControlError) { _ = try await stub.hello(focus: "future") } catch {}
            }
            #expect(refusals.count(.revision) == 5)
            #expect(logs.records.filter { $0.level == .warning && $0.message.contains("protocol revision") }.count == 1)
        }
        #expect(MCUControlRefusals.address(of: "ipv6:[::1]:5000") == "::1" && MCUControlRefusals.address(of: "ipv4:10.1.2.3:9") == "10.1.2.3")
    }

    @Test("a call the MCU does not answer within the deadline fails as such; a draining instance takes no new conference")
    func deadlineAndDrain() async throws {
        let mcu = ScriptedMCU()
        mcu.delay.withLock { $0 = .seconds(3) }
        try await withServer(mcu, callTimeout: .milliseconds(300)) { server, client in
            let started = ContinuousClock.now
            do throws(MCUControlError) {
                try await client.addConference(ConferenceID(tenant: "t", meeting: "slow"))
                Issue.record("no deadline")
            } catch {
                #expect(error.reason.contains("did not answer in time"), "\(error.reason)")
            }
            #expect(ContinuousClock.now - started < .seconds(2))
            mcu.delay.withLock { $0 = .zero }
            server.drain()
            do throws(MCUControlError) {
                try await client.addConference(ConferenceID(tenant: "t", meeting: "new"))
                Issue.record("a draining instance took a conference")
            } catch {
                #expect(error.code == .capacity && error.reason.contains("draining"), "\(error.reason)")
            }
        }
    }
}

/// An MCU that answers from a script: its load, events on demand, and an optional delay on addConference.
final class ScriptedMCU: MCUController, Sendable {
    let handler = Mutex<(@Sendable (MCUEvent) -> Void)?>(nil)
    let delay = Mutex<Duration>(.zero)

    func emit(_ event: MCUEvent) { handler.withLock { $0 }?(event) }

    func addConference(_ conference: ConferenceID) async throws(MCUControlError) {
        let wait = delay.withLock { $0 }
        if wait > .zero { try? await Task.sleep(for: wait) }
    }
    func removeConference(_ conference: ConferenceID) async {}
    func addEndpoint(_ request: AddEndpointRequest) async throws(MCUControlError) -> AddEndpointResponse {
        throw MCUControlError(.notFound, "scripted")
    }
    func modifyEndpoint(_ request: ModifyEndpointRequest) async throws(MCUControlError) -> AddEndpointResponse? { nil }
    func removeEndpoint(_ conference: ConferenceID, _ endpoint: EndpointID) async {}
    func playAnnouncement(_ request: AnnouncementRequest) async throws(MCUControlError) {}
    func stopAnnouncement(_ conference: ConferenceID, _ endpoint: EndpointID) async {}
    func setEventHandler(_ handler: @escaping @Sendable (MCUEvent) -> Void) async { self.handler.withLock { $0 = handler } }
    func statistics(_ conference: ConferenceID) async -> ConferenceStatistics? { nil }
    func load() async -> MCULoadReport { MCULoadReport(conferences: 3, endpoints: 9, freePorts: 100, lateTicks: 0, loops: 2, tickMicrosecondsPerSecond: 1_000) }
}

/// Log messages, for asserting what was logged.
final class LogRecorder: Sendable {
    /// One line: its level, message and metadata (the handler's and the call's).
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let lines = Mutex<[Record]>([])
    var messages: [String] { lines.withLock { $0.map(\.message) } }
    var records: [Record] { lines.withLock { $0 } }

    func handler(label: String) -> any LogHandler { Handler(recorder: self) }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            let record = Record(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" })
            recorder.lines.withLock { $0.append(record) }
        }
    }
}

/// Seconds that pass only when a test says so.
final class ManualSeconds: Sendable {
    private let seconds = Mutex<Double>(0)
    var now: Double { seconds.withLock { $0 } }
    func advance(by delta: Double) { seconds.withLock { $0 += delta } }
}

func eventually(timeout: Duration = .seconds(5), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}
