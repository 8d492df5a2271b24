#if canImport(Glibc)
import Glibc
#endif
import RTPWire

/// RTCP for an endpoint (RFC 3550 §6): a compound SR + SDES every few seconds with the NTP/RTP mapping and a report
/// block about the stream we receive, round-trip time from the peer's reports about ours, BYE when the endpoint leaves.
struct RTCPState {
    /// Ticks between reports (5 s at 20 ms), offset per endpoint so reports do not all go out on one tick.
    static let interval: UInt64 = 250
    var reception: RTPReceptionStatistics
    /// The peer's last SR (middle 32 bits of its NTP time) and when it arrived, for LSR/DLSR (RFC 3550 §6.4.1).
    var lastSRFromPeer: UInt32 = 0
    var lastSRArrival: UInt64 = 0
    /// Round-trip time from the peer's report blocks about our stream, in milliseconds.
    var roundTripMilliseconds: Double?
    let offset: UInt64
    let cname: String

    init(clockRate: Int, ssrc: UInt32) {
        reception = RTPReceptionStatistics(clockRate: clockRate)
        offset = UInt64(ssrc % UInt32(Self.interval))
        cname = "consort-\(String(ssrc, radix: 16))"
    }

    /// NTP time now (RFC 5905: seconds since 1900 in the high 32 bits).
    static func ntpNow() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let seconds = UInt64(truncatingIfNeeded: ts.tv_sec) &+ 2_208_988_800
        let fraction = (UInt64(truncatingIfNeeded: ts.tv_nsec) << 32) / 1_000_000_000
        return (seconds << 32) | fraction
    }

    /// The middle 32 bits of an NTP timestamp (units of 1/65536 s).
    static func compact(_ ntp: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: ntp >> 16) }
}

extension MediaEndpoint {
    /// Notes a valid audio packet for the receiver report.
    @inline(__always)
    func noteReceived(sequence: UInt16, timestamp rtpTimestamp: UInt32, now: UInt64) {
        let clock = UInt64(participant.format.clockRate)
        let arrival = UInt32(truncatingIfNeeded: now / 1_000 &* clock / 1_000_000)
        _ = rtcpState.reception.received(sequenceNumber: sequence, timestamp: rtpTimestamp, arrival: arrival)
    }

    /// Reads a compound RTCP packet: the peer's SR (for our LSR/DLSR) and its report blocks about our stream (RTT).
    func readRTCP(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        var iterator = RTCPCompoundIterator(packet: packet)
        let nowCompact = RTCPState.compact(RTCPState.ntpNow())
        while let item = iterator.next() {
            switch item {
            case .senderReport(let sr):
                rtcpState.lastSRFromPeer = sr.compactNTPTimestamp
                rtcpState.lastSRArrival = now
                var blocks = sr.reportBlocks.elements(in: packet)
                while let block = blocks.next() { noteReportBlock(block, nowCompact: nowCompact) }
            case .receiverReport(let rr):
                var blocks = rr.reportBlocks.elements(in: packet)
                while let block = blocks.next() { noteReportBlock(block, nowCompact: nowCompact) }
            default:
                continue
            }
        }
    }

    private func noteReportBlock(_ block: RTCPReportBlock, nowCompact: UInt32) {
        guard block.ssrc == localSSRC else { return }
        // The loss the peer saw in what we sent since its last report (fraction lost, 8-bit fixed point): an adaptive
        // Opus stream turns in-band FEC on for it.
        participant.reportedLossPercent = (Int(block.fractionLost) * 100 + 128) / 256
        guard block.lastSR != 0 else { return }
        let rtt = nowCompact &- block.lastSR &- block.delaySinceLastSR
        // Anything above a minute is a wrapped or bogus value.
        if rtt < 65_536 * 60 { rtcpState.roundTripMilliseconds = Double(rtt) * 1000 / 65_536 }
    }

    /// Sends SR + SDES when this endpoint's turn comes.
    func sendReportIfDue(tick: UInt64, now: UInt64, buffer: UnsafeMutableRawBufferPointer) {
        guard (tick &+ rtcpState.offset) % RTCPState.interval == 0, mayTransmit, let target = remoteRTCP ?? remote else { return }
        let ntp = RTCPState.ntpNow()
        var length = 0
        let dlsr: UInt32 =
            rtcpState.lastSRFromPeer == 0 ? 0 : UInt32(truncatingIfNeeded: (now &- rtcpState.lastSRArrival) / 1_000 &* 65_536 / 1_000_000)
        let hasStream = rtcpState.reception.packetsReceived > 0
        if hasStream, let remoteSSRC {
            let block = rtcpState.reception.makeReportBlock(ssrc: remoteSSRC, lastSR: rtcpState.lastSRFromPeer, delaySinceLastSR: dlsr)
            length = writeSR(CollectionOfOne(block), ntp: ntp, into: buffer)
        } else {
            length = writeSR(EmptyCollection<RTCPReportBlock>(), ntp: ntp, into: buffer)
        }
        guard length > 0 else { return }
        let sdes = RTCPSourceDescriptionWriter(ssrc: localSSRC, cname: rtcpState.cname)
        guard let n = sdes.write(into: UnsafeMutableRawBufferPointer(rebasing: buffer[length...])) else { return }
        length += n
        sendRTCP(buffer, length: length, to: target)
    }

    private func writeSR<Blocks: Collection>(_ blocks: Blocks, ntp: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> Int
    where Blocks.Element == RTCPReportBlock {
        let sr = RTCPSenderReportWriter(
            ssrc: localSSRC, ntpTimestamp: ntp, rtpTimestamp: timestamp, senderPacketCount: UInt32(truncatingIfNeeded: counters.packetsSent),
            senderOctetCount: UInt32(truncatingIfNeeded: counters.bytesSent), reportBlocks: blocks)
        return sr.write(into: buffer) ?? 0
    }

    /// RTCP BYE (RFC 3550 §6.6) when the endpoint leaves.
    func sendGoodbye(buffer: UnsafeMutableRawBufferPointer) {
        guard mayTransmit, let target = remoteRTCP ?? remote else { return }
        let bye = RTCPGoodbyeWriter(sources: CollectionOfOne(localSSRC), reason: "left the conference")
        guard let n = bye.write(into: buffer) else { return }
        sendRTCP(buffer, length: n, to: target)
    }

    private func sendRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int, to target: MediaAddress) {
        var length = length
        if let outbound {
            guard case .ok(let n) = outbound.protectRTCP(buffer, length: length) else { return }
            length = n
        }
        let socket = rtcp ?? rtp
        if socket.send(UnsafeRawBufferPointer(buffer), length: length, to: target) { counters.rtcpSent &+= 1 }
    }
}
