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
    private var now: UInt64 = 1_000_000_000
    private var nextPort = 30_000
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 2_048, alignment: 16)
    static let phoneHost = "127.0.0.7"

    init(_ adjust: (inout MCUConfiguration) -> Void = { _ in }) throws {
        var configuration = MCUConfiguration()
        configuration.rtpPorts = "20000-20999"
        configuration.bindAddress = "127.0.0.1"
        configuration.loops = 1
        adjust(&configuration)
        var logger = Logger(label: "rig")
        logger.logLevel = .warning
        mcu = try EmbeddedMCU(
            configuration: configuration, mixer: MixerConfiguration(), opus: OpusEncoderSettings(), logger: logger, transport: .memory(network),
            manualTicks: true)
    }

    deinit { scratch.deallocate() }

    /// A phone's port on the memory network, at ``phoneHost``.
    func phone() -> MemoryDatagramPort? {
        defer { nextPort += 2 }
        return network.open(host: Self.phoneHost, port: nextPort)
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
        let mcuIP = inet_addr("127.0.0.1")
        _ = bytes.withUnsafeBytes { phone.send($0, to: mcuIP, port: port) }
    }

    func shutdown() async { await mcu.shutdown() }
}
