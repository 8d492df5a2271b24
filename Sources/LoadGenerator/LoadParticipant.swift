import MediaBench
import MediaCore
import RTPWire
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One simulated participant's media: its own non-blocking UDP socket on a loopback address, the clip it replays (20 ms Opus
/// frames from an offset), its RTP sender state, and what it counted coming back.
///
/// Owned by one thread at a time: the setup code until the pacer starts, then the pacer's thread. Two things cross
/// threads, both atomics: where its RTP goes (a re-INVITE from the focus moves it while the pacer sends) and the
/// re-INVITEs it got (counted and timed by the SIP handler, matched to the first packet after by the pacer).
final class LoadParticipant: @unchecked Sendable {
    /// "room3/7": meeting and index, for messages.
    let name: String
    /// Meeting index (0-based), and the seat over all meetings (conference × participants + index in it).
    let conference: Int
    let seat: Int
    /// The loopback address its socket is bound to (its SIP user agent uses the same one), the socket and its port.
    let localAddress: String
    let socket: Int32
    let localPort: Int
    let ssrc: UInt32
    private let clip: EncodedClip
    private let offset: Int
    /// Where RTP goes, packed by ``MediaDestination``; 0 until the first answer. Written by signalling, read each tick.
    private let packedDestination = Atomic<UInt64>(0)
    /// The packed value `destination` and the writer's payload type were last built from (pacer's thread).
    private var appliedDestination: UInt64 = 0
    private var destination = sockaddr_in()
    private var writer: RTPHeaderWriter
    private var frame = 0
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2_048, alignment: 16)
    private let sendLevels: Bool

    /// Re-INVITEs received, and the monotonic time of the latest (0: none), from the SIP handler.
    private let reinviteCount = Atomic<UInt64>(0)
    private let latestReinviteAt = Atomic<UInt64>(0)

    /// What this participant counted (pacer's thread), with the re-INVITEs the handler counted.
    var statistics: ParticipantStatistics {
        var s = counted
        s.reinvites = reinviteCount.load(ordering: .relaxed)
        s.longestGapNanoseconds = timeline.longestGap
        return s
    }
    private var counted = ParticipantStatistics()
    /// When packets arrived (pacer's thread; read after the pacer ends).
    private(set) var timeline = ReceiveTimeline()
    private var lastSequence: UInt16 = 0
    private var lastSSRC: UInt32 = 0
    private var receivedAny = false
    /// The current source's RTP timestamp, extended past wraps, and the smallest transit (nanoseconds) seen from it in
    /// this block of 100 packets and the one before: the schedule late frames are measured against follows a lasting
    /// shift within two blocks (4 s), as an adaptive jitter buffer would, and still sees every short delay.
    private var extendedTimestamp: Int64 = 0
    private var blockSmallestTransit: Int64 = .max
    private var previousBlockSmallestTransit: Int64 = .max
    private var blockPackets = 0

    /// Opens and binds the socket (`address`, a port the kernel picks). Throws when it cannot.
    init(
        name: String, conference: Int, seat: Int, clip: EncodedClip, offset: Int, ssrc: UInt32, audioLevels: Bool, address: String = "127.0.0.1"
    ) throws {
        guard LoopbackAddress.isLoopbackIPv4(address) else { throw LoadGeneratorError("\(address) is not an IPv4 loopback address") }
        self.localAddress = address
        self.name = name
        self.conference = conference
        self.seat = seat
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

    /// Sets where RTP goes; refuses anything but an IPv4 loopback address. Safe from any thread while the pacer sends:
    /// the next frame goes to the new address.
    func setDestination(host: String, port: Int, payloadType: Int) throws {
        guard LoopbackAddress.isLoopbackIPv4(host) else {
            throw LoadGeneratorError("\(name): the server asked for media to \(host), which is not loopback; refusing to send")
        }
        guard (1...65_535).contains(port), (0...127).contains(payloadType) else {
            throw LoadGeneratorError("\(name): unusable media port \(port) or payload type \(payloadType)")
        }
        let packed = MediaDestination(address: inet_addr(host), port: UInt16(port), payloadType: UInt8(payloadType)).packed
        packedDestination.store(packed, ordering: .releasing)
    }

    /// Whether an answer has named where RTP goes.
    var hasDestination: Bool { packedDestination.load(ordering: .acquiring) != 0 }

    /// Notes a re-INVITE (SIP handler): counted, and timed until the first packet from the address it names.
    func reinviteReceived() {
        reinviteCount.add(1, ordering: .relaxed)
        latestReinviteAt.store(MediaPacer.now(), ordering: .relaxed)
    }

    /// Sends the next 20 ms frame.
    func sendFrame() {
        let packed = packedDestination.load(ordering: .acquiring)
        guard packed != 0 else { return }
        if packed != appliedDestination {
            let target = MediaDestination(packed: packed)
            destination.sin_family = sa_family_t(AF_INET)
            destination.sin_addr.s_addr = target.address
            destination.sin_port = target.port.bigEndian
            writer.payloadType = target.payloadType
            appliedDestination = packed
        }
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
                counted.packetsSent += 1
                counted.bytesSent += UInt64(n)
            } else {
                counted.sendErrors += 1
            }
        }
        frame += 1
        writer.marker = false
        writer.sequenceNumber &+= 1
        writer.timestamp &+= 960
    }

    /// Reads every datagram waiting on the socket, a batch per system call, and counts RTP (sequence gaps per source,
    /// late frames, receive gaps) and RTCP.
    func drain(_ batch: DatagramBatch) {
        var expected: MediaDestination?
        while true {
            let received = batch.receive(from: socket)
            if received == 0 { return }
            let now = MediaPacer.now()
            if expected == nil {
                // The handler stores the new destination before it answers, the re-INVITE's time before that.
                timeline.noteReinvite(at: latestReinviteAt.load(ordering: .relaxed))
                expected = MediaDestination(packed: packedDestination.load(ordering: .acquiring))
            }
            guard let expected else { return }
            for i in 0..<received {
                let source = batch.sender(i)
                count(batch.datagram(i), at: now, fromNewAddress: source.ip == expected.address && source.port == expected.port)
            }
            if received < batch.capacity { return }
        }
    }

    private func count(_ packet: UnsafeRawBufferPointer, at now: UInt64, fromNewAddress: Bool) {
        let n = packet.count
        // RTCP (RFC 5761 §4): payload types 72–76 with the marker bit set.
        if n >= 2, (200...204).contains(packet[1]) {
            counted.rtcpReceived += 1
            return
        }
        guard let header = RTPHeader(parsing: packet) else {
            counted.malformedReceived += 1
            return
        }
        counted.packetsReceived += 1
        counted.bytesReceived += UInt64(n)
        timeline.packetArrived(at: now, fromNewAddress: fromNewAddress)
        if receivedAny, header.ssrc == lastSSRC {
            extendedTimestamp += Int64(Int32(bitPattern: header.timestamp &- UInt32(truncatingIfNeeded: extendedTimestamp)))
        } else {
            extendedTimestamp = Int64(header.timestamp)
            blockSmallestTransit = .max
            previousBlockSmallestTransit = .max
            blockPackets = 0
        }
        // 48 kHz RTP clock: 1 tick = 62_500 / 3 ns.
        let transit = Int64(now) - extendedTimestamp * 62_500 / 3
        blockSmallestTransit = min(blockSmallestTransit, transit)
        let schedule = min(blockSmallestTransit, previousBlockSmallestTransit)
        if transit - schedule > Int64(ParticipantStatistics.lateFrameNanoseconds) { counted.lateFrames += 1 }
        blockPackets += 1
        if blockPackets == 100 {
            previousBlockSmallestTransit = blockSmallestTransit
            blockSmallestTransit = .max
            blockPackets = 0
        }
        if receivedAny, header.ssrc == lastSSRC {
            let delta = header.sequenceNumber &- lastSequence
            if delta == 0 || delta > 0x8000 {
                counted.reordered += 1
                return
            }
            if delta > 1 {
                counted.gaps += 1
                counted.packetsMissing += UInt64(delta - 1)
            }
        } else if receivedAny {
            counted.sourceChanges += 1
        }
        receivedAny = true
        lastSSRC = header.ssrc
        lastSequence = header.sequenceNumber
    }
}

/// Where a participant's RTP goes, packed into one word so signalling can change it while the pacer sends: the IPv4
/// address as `s_addr` (network order) in bits 0–31, the port in 32–47, the payload type in 48–54, bit 63 set.
struct MediaDestination: Equatable {
    let address: UInt32
    let port: UInt16
    let payloadType: UInt8

    init(address: UInt32, port: UInt16, payloadType: UInt8) {
        self.address = address
        self.port = port
        self.payloadType = payloadType
    }

    init(packed: UInt64) {
        address = UInt32(truncatingIfNeeded: packed)
        port = UInt16(truncatingIfNeeded: packed >> 32)
        payloadType = UInt8(truncatingIfNeeded: packed >> 48) & 0x7F
    }

    var packed: UInt64 { 1 << 63 | UInt64(payloadType & 0x7F) << 48 | UInt64(port) << 32 | UInt64(address) }
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
