#if canImport(Glibc)
import Glibc
#endif

/// Reads a process's CPU time (user + system, all threads) from `/proc/PID/stat` (proc(5): fields 14 utime and 15
/// stime, in clock ticks of `sysconf(_SC_CLK_TCK)`).
public struct ServerCPUSampler: Sendable {
    /// The process.
    public let pid: Int32
    /// Clock ticks per second.
    public let ticksPerSecond: Double

    /// A sampler for `pid`; nil when the process does not exist.
    public init?(pid: Int32) {
        self.pid = pid
        ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        if cpuSeconds() == nil { return nil }
    }

    /// utime + stime in seconds, or nil when the process is gone.
    public func cpuSeconds() -> Double? {
        guard let text = Self.read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        // The command name (field 2) may hold spaces and parentheses: count fields after the last ")".
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); utime is field 14, stime field 15.
        guard fields.count > 13, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else { return nil }
        return Double(user + system) / ticksPerSecond
    }

    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4_096)
        let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        return String(decoding: bytes[0..<n], as: UTF8.self)
    }
}

/// One CPU window: the server's CPU time over a stretch of wall time with a known number of participants.
public struct CPUWindow: Sendable, Codable, Equatable {
    /// Wall seconds (monotonic clock) between the two samples.
    public var wallSeconds: Double
    /// Server CPU seconds (user + system) in between.
    public var cpuSeconds: Double
    /// Participants with media flowing.
    public var participants: Int

    /// CPU milliseconds per participant-second.
    public var cpuMillisecondsPerParticipantSecond: Double {
        participants == 0 || wallSeconds <= 0 ? 0 : cpuSeconds * 1_000 / (Double(participants) * wallSeconds)
    }

    /// Share of one core.
    public var coreShare: Double { wallSeconds <= 0 ? 0 : cpuSeconds / wallSeconds }
}
