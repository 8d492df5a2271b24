import AudioMixer
import Foundation
import Logging
import MediaCore
import OpusCodec
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `media.realtimePriority`: the threads of the loops that run conferences under SCHED_RR.
@Suite("Real-time media loops", .serialized, .timeLimit(.minutes(1)))
struct RealtimeLoopTests {
    /// Whether this process may put a thread under SCHED_RR at `priority` (root with CAP_SYS_NICE, or RLIMIT_RTPRIO),
    /// tried on a thread of its own that ends right after.
    static func realtimePermitted(priority: Int32) -> Bool {
        let result = Mutex<Int32>(-1)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            var parameter = sched_param()
            parameter.sched_priority = priority
            let r = pthread_setschedparam(pthread_self(), SCHED_RR, &parameter)
            result.withLock { $0 = r }
            done.signal()
        }
        thread.start()
        done.wait()
        return result.withLock { $0 } == 0
    }

    func mcu(priority: Int, logger: Logger, manualTicks: Bool = false) throws -> EmbeddedMCU {
        var configuration = MCUConfiguration()
        configuration.rtpPorts = "21000-21099"
        configuration.bindAddress = "127.0.0.1"
        configuration.loops = 2
        configuration.realtimePriority = priority
        return try EmbeddedMCU(
            configuration: configuration, mixer: MixerConfiguration(), opus: OpusEncoderSettings(), logger: logger,
            transport: .memory(MemoryNetwork()), manualTicks: manualTicks)
    }

    @Test("realtimePriority puts every media loop under SCHED_RR and logs it (refused: a warning with the remedy); 0 and manual ticks leave them alone")
    func schedulingPolicy() async throws {
        let recorder = LogRecorder()
        let logger = Logger(label: "realtime") { _ in recorder }
        let permitted = Self.realtimePermitted(priority: 3)

        let realtime = try mcu(priority: 3, logger: logger)
        let count = await realtime.realtimeLoopCount()
        await realtime.shutdown()
        if permitted {
            #expect(count == 2)
            #expect(recorder.all.contains { $0.level == .info && $0.message == "media loops run real-time" && $0.metadata["priority"] == "3" })
        } else {
            #expect(count == 0)
            #expect(recorder.all.contains { $0.level == .warning && $0.message.contains("SCHED_RR priority 3 was refused") })
        }

        let normal = try mcu(priority: 0, logger: logger)
        #expect(await normal.realtimeLoopCount() == 0)
        await normal.shutdown()
        let manual = try mcu(priority: 3, logger: logger, manualTicks: true)
        #expect(await manual.realtimeLoopCount() == 0)
        await manual.shutdown()

        var bad = MCUConfiguration()
        bad.realtimePriority = 100
        #expect(bad.validationProblem()?.contains("media.realtimePriority") == true)
    }
}
