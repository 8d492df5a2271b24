// RFC 3550 §6.4.2 — RR: Receiver Report RTCP Packet.
//
//         0                   1                   2                   3
//         0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// header |V=2|P|    RC   |   PT=RR=201   |             length            |
//        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//        |                     SSRC of packet sender                     |
//        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// report |                 report block 1 (24 bytes) ...                 |
//        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//        |                  profile-specific extensions                  |
//        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// A view of an RTCP receiver report (RFC 3550 §6.4.2). Report blocks are read from the buffer on access.
public struct RTCPReceiverReport: Sendable, Equatable {
    /// The SSRC of the packet's sender.
    public var ssrc: UInt32
    /// The RC report blocks.
    public var reportBlocks: RTCPWireList<RTCPReportBlock>
    /// Profile-specific extension bytes after the report blocks (usually empty).
    public var profileExtensionRange: Range<Int>

    /// Parses the RR whose common header is `header`; nil when the body is shorter than the SSRC and RC blocks.
    public init?(_ header: RTCPCommonHeader, in buffer: UnsafeRawBufferPointer) {
        let body = header.bodyRange
        guard buffer.contains(body) else { return nil }
        let blocksStart = body.lowerBound + 4
        let blocksEnd = blocksStart + Int(header.count) * RTCPReportBlock.wireSize
        guard header.packetType == RTCPPacketType.receiverReport,
              blocksEnd <= body.upperBound,
              let ssrc = buffer.uint32(at: body.lowerBound)
        else { return nil }
        self.ssrc = ssrc
        self.reportBlocks = RTCPWireList(startOffset: blocksStart, count: Int(header.count))
        self.profileExtensionRange = blocksEnd..<body.upperBound
    }
}

/// Writes an RTCP receiver report with up to 31 report blocks taken from a caller's collection.
public struct RTCPReceiverReportWriter<ReportBlocks: Collection> where ReportBlocks.Element == RTCPReportBlock {
    /// The SSRC of the packet's sender.
    public var ssrc: UInt32
    /// The report blocks (at most 31; none is valid, e.g. at the head of a compound packet).
    public var reportBlocks: ReportBlocks

    /// A receiver report.
    public init(ssrc: UInt32, reportBlocks: ReportBlocks) {
        self.ssrc = ssrc
        self.reportBlocks = reportBlocks
    }

    /// 8 bytes plus 24 per report block.
    public var encodedSize: Int {
        RTCPCommonHeader.size + 4 + reportBlocks.count * RTCPReportBlock.wireSize
    }

    /// Writes the packet at the start of `buffer`; nil when it is too small or there are more than 31 blocks.
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let size = encodedSize
        let blockCount = reportBlocks.count
        guard blockCount <= 31, buffer.count >= size else { return nil }
        buffer.storeRTCPHeader(count: UInt8(blockCount), packetType: RTCPPacketType.receiverReport, size: size)
        buffer.store(ssrc, at: 4)
        guard writeElements(reportBlocks, into: buffer, at: 8) != nil else { return nil }
        return size
    }
}

extension RTCPReceiverReportWriter: Sendable where ReportBlocks: Sendable {}
