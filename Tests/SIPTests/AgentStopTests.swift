import Foundation
import SIP
import SIPWire
import Synchronization
import Testing
import TestSupport

/// `SIPUserAgent.stop()` leaves nobody waiting: requests pending at the stop fail, and requests made while it runs or
/// after it fail with `.notRunning` instead of waiting on a loop that has ended.
@Suite("A stopped user agent leaves nobody waiting", .timeLimit(.minutes(1)))
struct AgentStopTests {
    /// What each request ended with: its error code, or nil for an answer.
    final class Outcomes: Sendable {
        private let ended = Mutex<[SIPError.Code?]>([])
        func add(_ code: SIPError.Code?) { ended.withLock { $0.append(code) } }
        var all: [SIPError.Code?] { ended.withLock { $0 } }
    }

    /// Sends OPTIONS to `port` as an unstructured task: a request that never ends must not keep the test (or its time
    /// limit, which cannot end it) waiting, so the test polls for the outcomes instead.
    static func options(from agent: SIPUserAgent, to port: Int, into outcomes: Outcomes) throws {
        let peer = try SIPPeer(transport: .udp, ipAddress: "127.0.0.1", port: port)
        let uri = try #require(SIPURI("sip:silent@127.0.0.1:\(port)"))
        Task {
            do {
                _ = try await agent.request(.options, to: uri, via: peer)
                outcomes.add(nil)
            } catch let error as SIPError {
                outcomes.add(error.code)
            } catch {
                outcomes.add(.invalid)
            }
        }
    }

    /// Polls (real time, at most `seconds`) until `outcomes` holds `count` results.
    static func waitFor(_ count: Int, in outcomes: Outcomes, seconds: Double = 5) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while outcomes.all.count < count, Date() < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        return outcomes.all.count >= count
    }

    @Test("after stop(), a request fails with notRunning at once and a second stop() returns")
    func afterStop() async throws {
        let ua = try await TestUserAgent.start(tcp: false)
        await ua.stop()
        let outcomes = Outcomes()
        try Self.options(from: ua.agent, to: 9, into: outcomes)
        let ended = await Self.waitFor(1, in: outcomes)
        let secondStop = Outcomes()  // unstructured too: a stop() that never returns must fail the test, not hang it
        Task {
            await ua.stop()
            secondStop.add(nil)
        }
        let returned = await Self.waitFor(1, in: secondStop)
        #expect(ended, "the request on a stopped agent never ended")
        #expect(outcomes.all == [.notRunning], "\(outcomes.all)")
        #expect(returned, "a second stop() never returned")
    }

    @Test("requests to a silent peer made just before, during and after stop() all end, none answered")
    func racingStop() async throws {
        let silent = try RawUDPSocket(address: "127.0.0.1")
        var stuck = 0, answered = 0
        for _ in 0..<30 {
            let ua = try await TestUserAgent.start(tcp: false)
            let outcomes = Outcomes()
            for _ in 0..<4 { try Self.options(from: ua.agent, to: silent.port, into: outcomes) }
            async let stopping: Void = ua.stop()
            for _ in 0..<4 { try Self.options(from: ua.agent, to: silent.port, into: outcomes) }
            await stopping
            if !(await Self.waitFor(8, in: outcomes)) { stuck += 1 }
            answered += outcomes.all.count { $0 == nil }
        }
        #expect(stuck == 0, "rounds where a request never ended: \(stuck) of 30")
        #expect(answered == 0)
    }
}
