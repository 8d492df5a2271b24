import AudioMixer
import Foundation
import Logging
import MCUControl
import MediaCore
import NIOCore
import OpusCodec

/// The real MCU on a memory network with ticks driven by the test (issue 10 §5): no sockets, no sleeps. A test makes
/// phones (memory ports), sets up calls through MCUControl, then runs as many 20 ms ticks as it needs in microseconds.
/// Control calls and ticks take turns (the test awaits each control call before ticking).
final class ManualMediaRig: @unchecked Sendable {
    let network = MemoryNetwork()
    let mcu: EmbeddedMCU
    /// Media time, driven by the test (the MCU times each tick's cost on the real clock, whatever media time says).
    private var now: UInt64 = 1_000_000_000
    private var nextPort = 30_000
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 2_048, alignment: 16)
    /// The phones' host; another loopback address stands for another host.
    static let phoneHost = "127.0.0.7"
    /// The MCU's ports' host.
    static let mcuHost = "127.0.0.1"

    init(logger given: Logger? = nil, _ adjust: (inout MCUConfiguration) -> Void = { _ in }) throws {
        var configuration = MCUConfiguration()
        configuration.rtpPorts = "20000-20999"
        configuration.bindAddress = Self.mcuHost
        configuration.loops = 1
        adjust(&configuration)
        var logger = given ?? Logger(label: "rig")
        if given == nil { logger.logLevel = .warning }
        mcu = try EmbeddedMCU(
            configuration: configuration, mixer: MixerConfiguration(), opus: OpusEncoderSettings(), logger: logger, transport: .memory(network),
            manualTicks: true)
    }

    deinit { scratch.deallocate() }

    /// A phone's port on the memory network, at ``phoneHost`` or another host.
    func phone(host: String = phoneHost) -> MemoryDatagramPort? {
        defer { nextPort += 2 }
        return network.open(host: host, port: nextPort)
    }

    /// A port number no phone has opened: an SDP address nobody answers.
    func unusedPort() -> Int {
        defer { nextPort += 2 }
        return nextPort
    }

    /// Runs `count` ticks (20 ms each of media time), calling `each` before every tick (a phone's packet, say).
    func tick(_ count: Int, _ each: (Int) -> Void = { _ in }) {
        for i in 0..<count {
            each(i)
            now &+= 20_000_000
            mcu.tickAll(at: .uptimeNanoseconds(now))
        }
    }

    /// Datagrams queued at a phone, taken off.
    func drain(_ phone: MemoryDatagramPort) -> [[UInt8]] {
        var out: [[UInt8]] = []
        while let n = phone.receive(scratch) { out.append(Array(scratch[0..<n])) }
        return out
    }

    /// Sends bytes from a phone to an MCU port.
    func send(_ bytes: [UInt8], from phone: MemoryDatagramPort, to port: Int) {
        let mcuIP = inet_addr(Self.mcuHost)
        _ = bytes.withUnsafeBytes { phone.send($0, to: mcuIP, port: port) }
    }

    func shutdown() async { await mcu.shutdown() }

    /// RTP packets among datagrams (RTCP has a packet type of 192–223 in its second byte).
    static func rtp(_ packets: [[UInt8]]) -> [[UInt8]] { packets.filter { $0.count > 12 && !(192...223).contains($0[1]) } }

    /// RTCP packets among datagrams.
    static func rtcp(_ packets: [[UInt8]]) -> [[UInt8]] { packets.filter { $0.count > 1 && (192...223).contains($0[1]) } }
}
