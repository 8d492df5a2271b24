import Foundation
import LoadGenerator
import Logging
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `consort loadgen`'s library against a launched `consort serve` on loopback; one at a time, bounded in time.
@Suite("consort loadgen", .serialized, .timeLimit(.minutes(1)))
struct LoadgenTests {
    @Test("3 participants × 1 meeting for 3 s: every call is set up, media flows both ways, CPU is sampled, every call hangs up")
    func threeParticipants() async throws {
        let port = freePort()
        let server = try launchProgram(
            consortBinary,
            ["serve", "--config", packageRoot.appendingPathComponent("Config/consort.yaml").path, "--sip-address", "127.0.0.1",
             "--sip-port", "\(port)", "--rtp-ports", "\(port + 10)-\(port + 200)", "--admin-port", "0", "--log-level", "info"])
        defer { _ = stopProgram(server) }
        for _ in 0..<200 {
            if let log = try? String(contentsOf: server.1, encoding: .utf8), log.contains("accepting calls") { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        var options = LoadGeneratorOptions()
        options.targetPort = port
        options.meetingPrefix = "loadgen-test-"
        options.participants = 3
        options.conferences = 1
        options.seconds = 3
        options.serverPID = server.0.processIdentifier
        options.warmup = 1
        options.window = 1
        options.repeats = 2
        var logger = Logger(label: "loadgen-test")
        logger.logLevel = .warning
        let report = try await LoadGenerator(options: options, logger: logger).run()
        print(report.text)
        #expect(report.callsSetUp == 3, "\(report.failureReasons)")
        #expect(report.callsFailed == 0)
        let expected = UInt64(report.ticks * 3)
        #expect(report.media.packetsSent == expected, "one packet per participant per tick")
        #expect(report.media.packetsReceived >= expected * 8 / 10, "the mix comes back to everyone")
        #expect(report.participantsWithoutMedia == 0)
        #expect(report.hangups == 3, "every call ends with a 2xx to BYE")
        #expect(report.windows.count == 2)
        #expect(report.windows.allSatisfy { $0.wallSeconds > 0.9 && $0.wallSeconds < 1.5 && $0.cpuSeconds >= 0 })
        #expect(report.medianCPUMillisecondsPerParticipantSecond != nil)
    }

    @Test("a target off loopback is refused before anything is sent")
    func loopbackOnly() async throws {
        var options = LoadGeneratorOptions()
        options.targetHost = "192.0.2.1"
        #expect(options.validationProblem()?.contains("loopback") == true)
        await #expect(throws: LoadGeneratorError.self) {
            _ = try await LoadGenerator(options: options, logger: Logger(label: "loadgen-test")).run()
        }
        #expect(LoopbackAddress.isLoopbackIPv4("127.0.0.1"))
        #expect(!LoopbackAddress.isLoopbackIPv4("localhost"))
        #expect(!LoopbackAddress.isLoopbackIPv4("10.0.0.1"))
    }

    @Test("--source-addresses FIRST-LAST: every loopback address in order; anything else is refused")
    func sourceAddressRange() {
        #expect(LoopbackAddress.range("127.0.0.2-127.0.0.4") == ["127.0.0.2", "127.0.0.3", "127.0.0.4"])
        #expect(LoopbackAddress.range("127.0.0.255-127.0.1.0") == ["127.0.0.255", "127.0.1.0"])
        #expect(LoopbackAddress.range("127.0.0.9") == ["127.0.0.9"])
        for bad in ["127.0.0.4-127.0.0.2", "10.0.0.1-10.0.0.2", "127.0.0.1-", "-", "127.0.0.1-127.0.0.2-127.0.0.3", "127.0.0.0-127.255.255.255", "x"] {
            #expect(LoopbackAddress.range(bad) == nil, "\(bad)")
        }
        var options = LoadGeneratorOptions()
        options.sourceAddresses = ["127.0.0.2", "192.0.2.1"]
        #expect(options.validationProblem()?.contains("192.0.2.1") == true)
    }

    @Test("participants spread over 127.0.0.2-127.0.0.5: every call from its own address is set up and gets the mix")
    func spreadSources() async throws {
        let port = freePort()
        let server = try launchProgram(
            consortBinary,
            ["serve", "--config", packageRoot.appendingPathComponent("Config/consort.yaml").path, "--sip-address", "127.0.0.1",
             "--sip-port", "\(port)", "--rtp-ports", "\(port + 10)-\(port + 200)", "--admin-port", "0", "--log-level", "info"])
        defer { _ = stopProgram(server) }
        for _ in 0..<200 {
            if let log = try? String(contentsOf: server.1, encoding: .utf8), log.contains("accepting calls") { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        var options = LoadGeneratorOptions()
        options.targetPort = port
        options.meetingPrefix = "spread-"
        options.participants = 4
        options.conferences = 2
        options.seconds = 2
        options.sourceAddresses = try #require(LoopbackAddress.range("127.0.0.2-127.0.0.5"))
        var logger = Logger(label: "loadgen-test")
        logger.logLevel = .warning
        let report = try await LoadGenerator(options: options, logger: logger).run()
        print(report.text)
        #expect(report.callsSetUp == 8, "\(report.failureReasons)")
        #expect(report.participantsWithoutMedia == 0)
        #expect(report.hangups == 8)
    }

    @Test("--find-capacity ramps 2 meetings of 3, a meeting a step: each step measured, the last good size reported, every call hung up")
    func findCapacity() async throws {
        let port = freePort()
        let server = try launchProgram(
            consortBinary,
            ["serve", "--config", packageRoot.appendingPathComponent("Config/consort.yaml").path, "--sip-address", "127.0.0.1",
             "--sip-port", "\(port)", "--rtp-ports", "\(port + 10)-\(port + 200)", "--admin-port", "0", "--log-level", "info"])
        defer { _ = stopProgram(server) }
        for _ in 0..<200 {
            if let log = try? String(contentsOf: server.1, encoding: .utf8), log.contains("accepting calls") { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        var options = LoadGeneratorOptions()
        options.targetPort = port
        options.meetingPrefix = "ramp-"
        options.participants = 3
        options.conferences = 2
        options.serverPID = server.0.processIdentifier
        options.sourceAddresses = try #require(LoopbackAddress.range("127.0.0.2-127.0.0.7"))
        var ramp = CapacityRampOptions()
        ramp.stepParticipants = 3
        ramp.settleSeconds = 0.5
        ramp.stepSeconds = 1
        // A threshold no healthy run reaches, so the ramp goes to its cap even on a loaded machine; what is checked is
        // the ramp itself.
        ramp.threshold = 0.5
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "loadgen-test")
        logger.logLevel = .warning
        let report = try await CapacityRamp(options: options, ramp: ramp, logger: logger).run { progress in
            lines.withLock { $0.append(progress.line) }
        }
        print(report.text)
        #expect(report.steps.map(\.participants) == [3, 6])
        #expect(report.steps.map(\.meetings) == [1, 2])
        #expect(report.lastGood?.participants == 6)
        #expect(report.stopReason.contains("reached --conferences 2"))
        for step in report.steps {
            #expect(step.callsFailed == 0)
            #expect(step.seconds > 0.9 && step.seconds < 1.5)
            #expect(step.packetsReceived > UInt64(step.participants * 40), "the mix comes back to everyone: \(step)")
            #expect(step.lossShare < 0.2 && step.serverCores != nil)
        }
        #expect(report.hangups == 6 && report.callsLost == 0)
        let progress = lines.withLock { $0 }
        #expect(progress.count >= 2 && progress.allSatisfy { $0.hasPrefix("step ") && $0.contains("calls up") }, "\(progress)")
    }
}
