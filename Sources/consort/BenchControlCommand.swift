import ArgumentParser
import Foundation
import LoadGenerator
import Logging
import MCUControl
import MCUGRPC

#if canImport(Glibc)
    import Glibc
#endif

/// `consort bench control`: what MCUControl over gRPC costs, against a running `consort mcu`.
struct ControlBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "control",
        abstract: "Measure gRPC MCUControl against a running consort mcu: addEndpoint latency, and the control channel's bytes and CPU per idle conference.",
        discussion: """
            Connects to the consort mcu at --mcu with --token, as a focus does. First --calls addEndpoint calls one after \
            the other in one conference (each endpoint removed again before the next; the time is the addEndpoint call \
            alone, from the call to its answer). Then the steady state a focus keeps with an instance: a Watch stream \
            with a load report every second, for --seconds with no conference, then again with --conferences idle \
            conferences of one endpoint each (offered media at a port nobody sends from). The bytes are the TCP \
            payload both ways on this process's connections to the instance, read with `ss -tinp` (Linux, iproute2); \
            the instance's CPU is read from /proc/<--pid>/stat when --pid is given, and this process's own likewise.
            """
    )

    @Option(help: "The consort mcu's control address, IPv4:PORT.") var mcu: String
    @Option(help: "The control token (the instance's --token / pool.token).") var token: String
    @Option(help: "addEndpoint calls to time.") var calls = 200
    @Option(help: "Idle conferences held during the second window.") var conferences = 50
    @Option(help: "Endpoints in each idle conference (0: conferences with nobody in them).") var endpoints = 1
    @Option(help: "Seconds of each steady-state window.") var seconds = 60
    @Option(help: "The consort mcu's process id, to read its CPU time.") var pid: Int32?
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func run() async throws {
        guard let target = PoolConfiguration.hostPort(mcu) else { throw ValidationError("--mcu: \(mcu) is not IPv4:PORT") }
        let (host, port) = target
        var logger = Logger(label: "consort.bench.control")
        logger.logLevel = .error
        let client = try GRPCMCUController(host: host, port: port, token: token, callTimeout: .seconds(5), logger: logger)
        // The client's connection runs as a child task, ended (shutdown, then awaited) when this returns or throws.
        async let _: Void = client.run()
        defer { client.shutdown() }
        let hello = try await client.hello(focus: "bench")

        // addEndpoint latency.
        let room = ConferenceID(tenant: "bench", meeting: "latency-\(UInt32.random(in: 0...UInt32.max))")
        try await client.addConference(room, epoch: 1)
        var latencies: [Double] = []
        for i in 0..<calls {
            let endpoint = EndpointID("ep-\(i)")
            let started = ContinuousClock.now
            _ = try await client.addEndpoint(
                AddEndpointRequest(conference: room, endpoint: endpoint, offer: Self.offer(port: 9), advertisedAddress: host, label: "bench"))
            latencies.append(FocusBenchCommand.milliseconds(ContinuousClock.now - started))
            await client.removeEndpoint(room, endpoint)
        }
        await client.removeConference(room)

        // Steady state: the Watch stream alone, then with idle conferences.
        client.startWatching(loadInterval: .seconds(1))
        try await Task.sleep(for: .seconds(2))  // the stream is open and has reported
        let empty = try await window()
        var held: [ConferenceID] = []
        for c in 0..<conferences {
            let id = ConferenceID(tenant: "bench", meeting: "idle-\(c)-\(UInt32.random(in: 0...UInt32.max))")
            try await client.addConference(id, epoch: 1)
            for e in 0..<endpoints {
                _ = try await client.addEndpoint(
                    AddEndpointRequest(conference: id, endpoint: EndpointID("idle-\(e)"), offer: Self.offer(port: 9), advertisedAddress: host, label: "idle"))
            }
            held.append(id)
        }
        try await Task.sleep(for: .seconds(1))
        let busy = try await window()
        for id in held { await client.removeConference(id) }

        let perMinute = 60 / Double(seconds)
        let perConference = { (a: Double, b: Double) in conferences > 0 ? (b - a) / Double(conferences) : 0 }
        var report: [String: Double] = [
            "calls": Double(calls), "conferences": Double(conferences), "endpointsPerConference": Double(endpoints), "seconds": Double(seconds),
            "addEndpointMillisecondsMedian": FocusBenchCommand.percentile(latencies, 0.5),
            "addEndpointMillisecondsP99": FocusBenchCommand.percentile(latencies, 0.99),
            "addEndpointMillisecondsMax": latencies.max() ?? 0,
            "bytesPerMinuteNoConference": Double(empty.bytes) * perMinute,
            "bytesPerMinuteWithConferences": Double(busy.bytes) * perMinute,
            "bytesPerConferencePerMinute": perConference(Double(empty.bytes), Double(busy.bytes)) * perMinute,
            "clientCPUSecondsPerMinuteNoConference": empty.clientCPU * perMinute,
            "clientCPUSecondsPerMinuteWithConferences": busy.clientCPU * perMinute,
        ]
        if let a = empty.mcuCPU, let b = busy.mcuCPU {
            report["mcuCPUSecondsPerMinuteNoConference"] = a * perMinute
            report["mcuCPUSecondsPerMinuteWithConferences"] = b * perMinute
            report["mcuCPUSecondsPerConferencePerMinute"] = perConference(a, b) * perMinute
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("MCUControl over gRPC to \(hello.id) at \(mcu)")
        print(
            String(
                format: "addEndpoint, %d calls one after the other: median %.2f ms   p99 %.2f ms   max %.2f ms", calls,
                report["addEndpointMillisecondsMedian"] ?? 0, report["addEndpointMillisecondsP99"] ?? 0, report["addEndpointMillisecondsMax"] ?? 0))
        print(
            String(
                format: "control channel, Watch stream with 1 s load reports: %.0f bytes/min with no conference, %.0f with %d idle of %d endpoint(s) (%.1f bytes/min per conference)",
                report["bytesPerMinuteNoConference"] ?? 0, report["bytesPerMinuteWithConferences"] ?? 0, conferences, endpoints,
                report["bytesPerConferencePerMinute"] ?? 0))
        print(
            String(
                format: "CPU of this client (the focus's side): %.3f s/min with no conference, %.3f with %d idle",
                report["clientCPUSecondsPerMinuteNoConference"] ?? 0, report["clientCPUSecondsPerMinuteWithConferences"] ?? 0, conferences))
        if let a = report["mcuCPUSecondsPerMinuteNoConference"], let b = report["mcuCPUSecondsPerMinuteWithConferences"] {
            print(
                String(
                    format: "CPU of the instance (pid %d, media ticks included): %.3f s/min with no conference, %.3f with %d idle (%.4f s/min per conference)",
                    pid ?? 0, a, b, conferences, report["mcuCPUSecondsPerConferencePerMinute"] ?? 0))
        }
    }

    /// What one steady-state window of `seconds` cost: TCP payload bytes both ways on this process's connections to
    /// the instance, this process's CPU seconds, and the instance's (when --pid is given).
    func window() async throws -> (bytes: UInt64, clientCPU: Double, mcuCPU: Double?) {
        let bytesBefore = try connectionBytes()
        let own = ServerCPUSampler(pid: getpid())
        let instance = pid.flatMap { ServerCPUSampler(pid: $0) }
        let clientBefore = own?.cpuSeconds() ?? 0
        let mcuBefore = instance?.cpuSeconds()
        try await Task.sleep(for: .seconds(seconds))
        let bytesAfter = try connectionBytes()
        var bytes: UInt64 = 0
        for (local, after) in bytesAfter {
            let before = bytesBefore[local] ?? (0, 0)
            bytes += (after.sent &- before.sent) &+ (after.received &- before.received)
        }
        let mcuAfter = instance?.cpuSeconds()
        let mcu = mcuBefore.flatMap { b in mcuAfter.map { $0 - b } }
        return (bytes, (own?.cpuSeconds() ?? 0) - clientBefore, mcu)
    }

    /// Bytes sent and received so far on each of this process's TCP connections to the instance, by local address.
    func connectionBytes() throws -> [String: (sent: UInt64, received: UInt64)] {
        guard let target = PoolConfiguration.hostPort(mcu) else { return [:] }
        let ss = Process()
        ss.executableURL = URL(fileURLWithPath: "/usr/bin/ss")
        ss.arguments = ["-tinpH", "state", "established", "dst", "\(target.host):\(target.port)"]
        let pipe = Pipe()
        ss.standardOutput = pipe
        ss.standardError = FileHandle.nullDevice
        do { try ss.run() } catch { throw ValidationError("cannot run /usr/bin/ss (iproute2) to read the connection's bytes: \(error)") }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ss.waitUntilExit()
        var result: [String: (sent: UInt64, received: UInt64)] = [:]
        var current: String?
        for line in output.split(separator: "\n") {
            if !line.hasPrefix("\t") && !line.hasPrefix(" ") {
                // "0 0 127.0.0.1:54321 127.0.0.1:7100 users:(("consort",pid=123,fd=9))": ours only.
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                current = line.contains("pid=\(getpid()),") && fields.count >= 3 ? String(fields[2]) : nil
                continue
            }
            guard let local = current else { continue }
            var sent: UInt64 = 0, received: UInt64 = 0
            for field in line.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                if field.hasPrefix("bytes_sent:") { sent = UInt64(field.dropFirst("bytes_sent:".count)) ?? 0 }
                if field.hasPrefix("bytes_received:") { received = UInt64(field.dropFirst("bytes_received:".count)) ?? 0 }
            }
            result[local] = (sent, received)
        }
        return result
    }

    /// A PCMU offer at 127.0.0.1:`port` (nobody sends from it: the endpoint stays idle).
    static func offer(port: Int) -> String {
        "v=0\r\no=bench 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio \(port) RTP/AVP 0\r\n"
            + "a=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
    }
}
