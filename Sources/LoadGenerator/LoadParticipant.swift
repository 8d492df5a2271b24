import MediaBench
import RTPWire

#if canImport(Glibc)
import Glibc
#endif

/// One simulated participant's media: its own non-blocking UDP socket on a loopback address, the clip it replays (20 ms Opus
/// frames from an offset), its RTP sender state, and what it counted coming back.
///
/// Owned by one thread at a time: the setup code until the pacer starts, then the pacer's thread.
final class LoadParticipant: @unchecked Sendable {
    /// "room3/7": meeting and index, for messages.
    let name: String
    /// Meeting index (0-based).
    let conference: Int
    /// The loopback address its socket is bound to (its SIP user agent uses the same one), the socket and its port.
    let localAddress: String
    let socket: Int32
    let localPort: Int
    let ssrc: UInt32
    private let clip: EncodedClip
    private let offset: Int
    private var destination = sockaddr_in()
    private(set) var hasDestination = false
    private var writer: RTPHeaderWriter
    private var frame = 0
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2_048, alignment: 16)
    private let sendLevels: Bool

    /// What this participant counted.
    private(set) var statistics = ParticipantStatistics()
    private var lastSequence: UInt16 = 0
    private var lastSSRC: UInt32 = 0
    private var receivedAny = false

    /// Opens and binds the socket (`address`, a port the kernel picks). Throws when it cannot.
    init(
        name: String, conference: Int, clip: EncodedClip, offset: Int, ssrc: UInt32, audioLevels: Bool, address: String = "127.0.0.1"
    ) throws {
        guard LoopbackAddress.isLoopbackIPv4(address) else { throw LoadGeneratorError("\(address) is not an IPv4 loopback address") }
        self.localAddress = address
        self.name = name
        self.conference = conference
        self.clip = clip
        self.offset = offset
        self.ssrc = ssrc
        self.sendLevels = audioLevels
        writer = RTPHeaderWriter(payloadType: 111, sequenceNumber: UInt16(truncatingIfNeeded: ssrc &* 7), timestamp: ssrc &* 13, ssrc: ssrc, marker: true)
        let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw LoadGeneratorError("cannot open a UDP socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(localAddress)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0 else {
            close(fd)
            throw LoadGeneratorError("cannot bind a UDP socket on \(localAddress): \(String(cString: strerror(errno)))")
        }
        var size: Int32 = 1 << 20
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        socket = fd
        localPort = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        close(socket)
        buffer.deallocate()
    }

    /// Sets where RTP goes; refuses anything but an IPv4 loopback address.
    func setDestination(host: String, port: Int, payloadType: Int) throws {
        guard LoopbackAddress.isLoopbackIPv4(host) else {
            throw LoadGeneratorError("\(name): the server asked for media to \(host), which is not loopback; refusing to send")
        }
        guard (1...65_535).contains(port), (0...127).contains(payloadType) else {
            throw LoadGeneratorError("\(name): unusable media port \(port) or payload type \(payloadType)")
        }
        destination.sin_family = sa_family_t(AF_INET)
        destination.sin_addr.s_addr = inet_addr(host)
        destination.sin_port = UInt16(port).bigEndian
        writer.payloadType = UInt8(payloadType)
        hasDestination = true
    }

    /// Sends the next 20 ms frame.
    func sendFrame() {
        guard hasDestination else { return }
        clip.withFrame(offset + frame) { payload, level in
            writer.audioLevel = sendLevels ? AudioLevel(voiceActivity: level < 50, level: min(level, 127)) : nil
            guard let headerSize = writer.write(into: buffer), headerSize + payload.count <= buffer.count else { return }
            UnsafeMutableRawBufferPointer(rebasing: buffer[headerSize...]).copyMemory(from: payload)
            let n = withUnsafePointer(to: &destination) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(socket, buffer.baseAddress, headerSize + payload.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if n > 0 {
                statistics.packetsSent += 1
                statistics.bytesSent += UInt64(n)
            } else {
                statistics.sendErrors += 1
            }
        }
        frame += 1
        writer.marker = false
        writer.sequenceNumber &+= 1
        writer.timestamp &+= 960
    }

    /// Reads every datagram waiting on the socket, a batch per system call, and counts RTP (sequence gaps per source)
    /// and RTCP.
    func drain(_ batch: ReceiveBatch) {
        while true {
            let received = batch.receive(from: socket)
            for i in 0..<received { count(batch.datagram(i)) }
            if received < batch.capacity { return }
        }
    }

    private func count(_ packet: UnsafeRawBufferPointer) {
        let n = packet.count
        // RTCP (RFC 5761 §4): payload types 72–76 with the marker bit set.
        if n >= 2, (200...204).contains(packet[1]) {
            statistics.rtcpReceived += 1
            return
        }
        guard let header = RTPHeader(parsing: packet) else {
            statistics.malformedReceived += 1
            return
        }
        statistics.packetsReceived += 1
        statistics.bytesReceived += UInt64(n)
        if receivedAny, header.ssrc == lastSSRC {
            let delta = header.sequenceNumber &- lastSequence
            if delta == 0 || delta > 0x8000 {
                statistics.reordered += 1
                return
            }
            if delta > 1 {
                statistics.gaps += 1
                statistics.packetsMissing += UInt64(delta - 1)
            }
        } else if receivedAny {
            statistics.sourceChanges += 1
        }
        receivedAny = true
        lastSSRC = header.ssrc
        lastSequence = header.sequenceNumber
    }
}

/// What one participant (or all of them, summed) sent and received.
public struct ParticipantStatistics: Sendable, Equatable, Codable {
    /// RTP packets sent.
    public var packetsSent: UInt64 = 0
    /// Bytes of RTP sent (headers included).
    public var bytesSent: UInt64 = 0
    /// sendto failures.
    public var sendErrors: UInt64 = 0
    /// RTP packets received.
    public var packetsReceived: UInt64 = 0
    /// Bytes of RTP received.
    public var bytesReceived: UInt64 = 0
    /// RTCP packets received.
    public var rtcpReceived: UInt64 = 0
    /// Datagrams that were neither RTP nor RTCP.
    public var malformedReceived: UInt64 = 0
    /// Forward jumps in the sequence number (each a gap of one or more packets).
    public var gaps: UInt64 = 0
    /// Packets the gaps skipped.
    public var packetsMissing: UInt64 = 0
    /// Packets that arrived late or twice.
    public var reordered: UInt64 = 0
    /// Times the sender's SSRC changed.
    public var sourceChanges: UInt64 = 0

    /// Empty counters.
    public init() {}

    /// Adds another participant's counters.
    public static func + (a: Self, b: Self) -> Self {
        var s = a
        s.packetsSent += b.packetsSent
        s.bytesSent += b.bytesSent
        s.sendErrors += b.sendErrors
        s.packetsReceived += b.packetsReceived
        s.bytesReceived += b.bytesReceived
        s.rtcpReceived += b.rtcpReceived
        s.malformedReceived += b.malformedReceived
        s.gaps += b.gaps
        s.packetsMissing += b.packetsMissing
        s.reordered += b.reordered
        s.sourceChanges += b.sourceChanges
        return s
    }
}

/// A load run that cannot start or a call that cannot be placed, with the reason.
public struct LoadGeneratorError: Error, CustomStringConvertible {
    /// What went wrong.
    public let reason: String
    /// Makes an error.
    public init(_ reason: String) { self.reason = reason }
    /// The reason.
    public var description: String { reason }
}
