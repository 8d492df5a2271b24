// RFC 3550 §6.4.1 — SR: Sender Report RTCP Packet.
//
//         0                   1                   2                   3
//         0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// header |V=2|P|    RC   |   PT=SR=200   |             length            |
//        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//        |                         SSRC of sender                        |
//        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// sender |              NTP timestamp, most significant word             |
// info   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//        |             NTP timestamp, least significant word             |
//        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//        |                         RTP timestamp                         |
//        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//        |                     sender's packet count                     |
//        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//        |                      sender's octet count                     |
//        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// report |                 report block 1 (24 bytes) ...                 |
//        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//        |                  profile-specific extensions                  |
//        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// A view of an RTCP sender report (RFC 3550 §6.4.1). Report blocks are read from the buffer on access.
public struct RTCPSenderReport: Sendable, Equatable {
    /// The sender's SSRC.
    public var ssrc: UInt32
    /// The 64-bit NTP wallclock time when the report was sent.
    public var ntpTimestamp: UInt64
    /// The RTP timestamp corresponding to `ntpTimestamp`.
    public var rtpTimestamp: UInt32
    /// RTP data packets sent since starting transmission.
    public var senderPacketCount: UInt32
    /// RTP payload octets sent since starting transmission.
    public var senderOctetCount: UInt32
    /// The RC report blocks.
    public var reportBlocks: RTCPWireList<RTCPReportBlock>
    /// Profile-specific extension bytes after the report blocks (usually empty).
    public var profileExtensionRange: Range<Int>

    /// Parses the SR whose common header is `header`; nil when the body is shorter than the sender info and RC blocks.
    public init?(_ header: RTCPCommonHeader, in buffer: UnsafeRawBufferPointer) {
        let body = header.bodyRange
        guard buffer.contains(body) else { return nil }
        let blocksStart = body.lowerBound + 24
        let blocksEnd = blocksStart + Int(header.count) * RTCPReportBlock.wireSize
        guard header.packetType == RTCPPacketType.senderReport,
              blocksEnd <= body.upperBound,
              let ssrc = buffer.uint32(at: body.lowerBound),
              let ntp = buffer.uint64(at: body.lowerBound + 4),
              let rtpTimestamp = buffer.uint32(at: body.lowerBound + 12),
              let packets = buffer.uint32(at: body.lowerBound + 16),
              let octets = buffer.uint32(at: body.lowerBound + 20)
        else { return nil }
        self.ssrc = ssrc
        self.ntpTimestamp = ntp
        self.rtpTimestamp = rtpTimestamp
        self.senderPacketCount = packets
        self.senderOctetCount = octets
        self.reportBlocks = RTCPWireList(startOffset: blocksStart, count: Int(header.count))
        self.profileExtensionRange = blocksEnd..<body.upperBound
    }

    /// The middle 32 bits of `ntpTimestamp`: the LSR value a receiver echoes in its report blocks.
    public var compactNTPTimestamp: UInt32 {
        UInt32(truncatingIfNeeded: ntpTimestamp >> 16)
    }
}

/// Writes an RTCP sender report with up to 31 report blocks taken from a caller's collection.
public struct RTCPSenderReportWriter<ReportBlocks: Collection> where ReportBlocks.Element == RTCPReportBlock {
    /// The sender's SSRC.
    public var ssrc: UInt32
    /// The 64-bit NTP wallclock time of this report.
    public var ntpTimestamp: UInt64
    /// The RTP timestamp corresponding to `ntpTimestamp`.
    public var rtpTimestamp: UInt32
    /// RTP data packets sent so far.
    public var senderPacketCount: UInt32
    /// RTP payload octets sent so far.
    public var senderOctetCount: UInt32
    /// The report blocks (at most 31).
    public var reportBlocks: ReportBlocks

    /// A sender report.
    public init(
        ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32, senderPacketCount: UInt32,
        senderOctetCount: UInt32, reportBlocks: ReportBlocks
    ) {
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.senderPacketCount = senderPacketCount
        self.senderOctetCount = senderOctetCount
        self.reportBlocks = reportBlocks
    }

    /// 28 bytes plus 24 per report block.
    public var encodedSize: Int {
        RTCPCommonHeader.size + 24 + reportBlocks.count * RTCPReportBlock.wireSize
    }

    /// Writes the packet at the start of `buffer`; nil when it is too small or there are more than 31 blocks.
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let size = encodedSize
        let blockCount = reportBlocks.count
        guard blockCount <= 31, buffer.count >= size else { return nil }
        buffer.storeRTCPHeader(count: UInt8(blockCount), packetType: RTCPPacketType.senderReport, size: size)
        buffer.store(ssrc, at: 4)
        buffer.store(ntpTimestamp, at: 8)
        buffer.store(rtpTimestamp, at: 16)
        buffer.store(senderPacketCount, at: 20)
        buffer.store(senderOctetCount, at: 24)
        guard writeElements(reportBlocks, into: buffer, at: 28) != nil else { return nil }
        return size
    }
}

extension RTCPSenderReportWriter: Sendable where ReportBlocks: Sendable {}
