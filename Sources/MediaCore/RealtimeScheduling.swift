#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Logging
import NIOCore

/// Real-time scheduling for the threads of the media loops (`media.realtimePriority`): under SCHED_RR a tick that is
/// due runs as soon as its thread wakes, instead of waiting for a time slice behind whatever else the machine runs.
/// Linux keeps 5 % of each second for normal threads (`sched_rt_runtime_us`), so a loop that never sleeps cannot lock
/// the machine up; the MCU's tick-share limits keep its loops from getting there.
enum RealtimeScheduling {
    /// Puts the calling thread under SCHED_RR at `priority`: 0, or the error number when refused.
    static func makeCurrentThreadRealtime(priority: Int) -> Int32 {
        var parameter = sched_param()
        parameter.sched_priority = Int32(clamping: priority)
        return pthread_setschedparam(pthread_self(), SCHED_RR, &parameter)
    }

    /// Whether the calling thread runs under SCHED_RR.
    static func currentThreadIsRealtime() -> Bool {
        var policy: Int32 = 0
        var parameter = sched_param()
        return pthread_getschedparam(pthread_self(), &policy, &parameter) == 0 && policy == SCHED_RR
    }

    /// Moves each loop's thread to SCHED_RR at `priority` (blocking until they all have answered) and says what came of
    /// it: info when every loop runs real-time, a warning naming the error and the remedy when one was refused.
    static func apply(priority: Int, to loops: [any EventLoop], logger: Logger) {
        var refusal: Int32 = 0
        for loop in loops {
            let result = (try? loop.submit { makeCurrentThreadRealtime(priority: priority) }.wait()) ?? ESRCH
            if result != 0 { refusal = result }
        }
        if refusal == 0 {
            logger.info(
                "media loops run real-time", metadata: ["policy": "SCHED_RR", "priority": "\(priority)", "loops": "\(loops.count)"])
        } else {
            logger.warning(
                """
                media loops stay at the normal scheduling policy: SCHED_RR priority \(priority) was refused \
                (\(String(cString: strerror(refusal)))); grant CAP_SYS_NICE (systemd: AmbientCapabilities=CAP_SYS_NICE) or \
                an RLIMIT_RTPRIO of at least \(priority) (LimitRTPRIO=\(priority)), or set media.realtimePriority: 0
                """)
        }
    }
}
