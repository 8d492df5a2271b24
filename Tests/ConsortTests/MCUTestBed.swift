import AudioMixer
import Foundation
import MCUControl
import MediaCore
import OpusCodec
import Synchronization
import Testing
import TestSupport

/// An embedded MCU on manual ticks (``ManualMediaRig``) with one conference, and PCMU peers made of hand-made RTP on
/// its memory network: what the announcement, endpoint-mode and dial-out tests share.
final class MCUTestBed {
    let rig: ManualMediaRig
    let conference: ConferenceID
    let events = MCUEventLog()
    let folder: URL

    var mcu: EmbeddedMCU { rig.mcu }

    init(meeting: String) async throws {
        rig = try ManualMediaRig()
        conference = ConferenceID(tenant: "t", meeting: meeting)
        try await rig.mcu.addConference(conference)
        let log = events
        await rig.mcu.setEventHandler { log.append($0) }
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("consort-\(meeting)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// Stops the MCU (every event it queued is delivered by then) and removes the temporary files.
    func stop() async {
        await rig.shutdown()
        try? FileManager.default.removeItem(at: folder)
    }

    /// A PCMU offer (with telephone-event 101) for a peer at `host`.
    static func offer(port: Int, host: String = ManualMediaRig.phoneHost) -> String {
        "v=0\r\no=peer 1 1 IN IP4 \(host)\r\ns=-\r\nc=IN IP4 \(host)\r\nt=0 0\r\n"
            + "m=audio \(port) RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=rtcp-mux\r\n"
    }

    /// A phone's port on the MCU's memory network.
    func phone() throws -> MemoryDatagramPort { try #require(rig.phone()) }

    /// Adds a PCMU peer; returns it with the MCU's port for it.
    func join(_ name: String, mode: EndpointMode = .conference) async throws -> MCUTestPeer {
        let phone = try phone()
        let response = try await mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID(name), offer: Self.offer(port: phone.port), advertisedAddress: "127.0.0.1",
                mode: mode))
        let port = try #require(response.media.first?.localPort)
        return MCUTestPeer(name: name, rig: rig, phone: phone, mcuPort: port, ssrc: UInt32.random(in: 1...UInt32.max))
    }

    /// A tone as a mono 16-bit WAV file in the temporary folder.
    func toneFile(_ name: String, frequency: Double, seconds: Double, sampleRate: Int = 16_000) throws -> String {
        let url = folder.appendingPathComponent(name)
        try WAVFile.writeTone(to: url, frequency: frequency, amplitude: 0.3, seconds: seconds, sampleRate: sampleRate)
        return url.path
    }

    /// Runs `seconds` of 20 ms ticks: before each, every peer sends its tone (or silence) and collects what the MCU
    /// sent it on the tick before.
    func exchange(_ peers: [MCUTestPeer], seconds: Double) {
        rig.tick(Int(seconds * 50)) { _ in
            for p in peers {
                p.collect()
                p.sendFrame()
            }
        }
        for p in peers { p.collect() }
    }
}

/// A PCMU test peer: its memory port, the MCU's port for it, what it sends and what it heard.
final class MCUTestPeer {
    let name: String
    let rig: ManualMediaRig
    let phone: MemoryDatagramPort
    var mcuPort: Int
    let ssrc: UInt32
    /// The tone it sends (nil: silence), 12 000 peak.
    var tone: Double?
    private var sequence: UInt16 = 0
    private var sample = 0
    /// Everything it received as 8 kHz samples (-1...1), and how many RTP audio packets that was.
    private(set) var heard: [Float] = []
    private(set) var packets = 0

    init(name: String, rig: ManualMediaRig, phone: MemoryDatagramPort, mcuPort: Int, ssrc: UInt32) {
        self.name = name
        self.rig = rig
        self.phone = phone
        self.mcuPort = mcuPort
        self.ssrc = ssrc
    }

    var endpoint: EndpointID { EndpointID(name) }

    /// Sends a datagram to the MCU's port for it.
    func send(_ bytes: [UInt8]) { rig.send(bytes, from: phone, to: mcuPort) }

    /// One 20 ms PCMU frame of its tone or silence.
    func sendFrame() {
        var payload = [UInt8](repeating: 0xFF, count: 160)
        if let tone {
            for i in 0..<160 {
                payload[i] = G711.encodeMuLaw(Int16(12_000 * sin(2 * Double.pi * tone * Double(sample + i) / 8_000)))
            }
        }
        sample += 160
        send(rtpPacket(seq: sequence, ts: UInt32(truncatingIfNeeded: sample), ssrc: ssrc, payload: payload))
        sequence &+= 1
    }

    /// Decodes the PCMU packets that arrived (RTCP and other payload types are skipped).
    func collect() {
        for packet in rig.drain(phone) where packet.count > 12 && packet[1] & 0x7F == 0 {
            let header = 12 + 4 * Int(packet[0] & 0x0F)
            guard packet.count > header else { continue }
            packets += 1
            heard += packet[header...].map { Float(G711.decodeMuLaw($0)) / 32_768 }
        }
    }

    /// Forgets what it heard (the next phase of a test starts clean).
    func reset() {
        heard = []
        packets = 0
    }

    /// The candidate tones' levels in what it heard, skipping the first `skip` seconds.
    func levels(_ candidates: [Double], skip: Double = 0.4) -> ToneLevels {
        ToneAnalysis.levels(in: heard, sampleRate: 8_000, candidates: candidates, skipSeconds: skip)
    }
}

/// The events an MCU reported, in order.
final class MCUEventLog: Sendable {
    private let events = Mutex<[MCUEvent]>([])

    func append(_ event: MCUEvent) { events.withLock { $0.append(event) } }

    var all: [MCUEvent] { events.withLock { $0 } }

    /// The events matching `match`, once at least `count` of them arrived or `timeout` passed (they reach the
    /// handler off the MCU's loop, a moment after the tick that made them).
    func wait(for count: Int, timeout: Duration = .seconds(2), _ match: (MCUEvent) -> Bool) async throws -> [MCUEvent] {
        let deadline = ContinuousClock.now + timeout
        while all.filter(match).count < count && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        return all.filter(match)
    }

    /// Waits up to `timeout` for an event matching `match`.
    func wait(timeout: Duration, for match: (MCUEvent) -> Bool) async throws -> MCUEvent? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = all.first(where: match) { return found }
            try await Task.sleep(for: .milliseconds(10))
        }
        return all.first(where: match)
    }
}
