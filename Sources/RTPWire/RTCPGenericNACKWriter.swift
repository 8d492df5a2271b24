// RFC 4585 §6.2.1 — Generic NACK (RTPFB, PT = 205, FMT = 1), built from a list of lost
// sequence numbers: each PID opens an entry and the next 16 numbers fold into its BLP.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |V=2|P|  FMT=1  |    PT=205     |          length               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                  SSRC of packet sender                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                  SSRC of media source                         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |            PID                |             BLP               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// Writes a generic NACK from lost sequence numbers in RTP order (wrapping allowed, e.g. 65534, 65535, 0).
///
/// Duplicates are dropped; numbers out of order are still reported, in extra entries.
public struct RTCPGenericNACKWriter<LostSequenceNumbers: Collection> where LostSequenceNumbers.Element == UInt16 {
    /// The SSRC of the receiver sending the NACK.
    public var senderSSRC: UInt32
    /// The SSRC of the stream whose packets were lost.
    public var mediaSSRC: UInt32
    /// The lost sequence numbers, in RTP order.
    public var lostSequenceNumbers: LostSequenceNumbers

    /// A NACK for `lostSequenceNumbers`.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32, lostSequenceNumbers: LostSequenceNumbers) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.lostSequenceNumbers = lostSequenceNumbers
    }

    /// The number of PID/BLP entries the list folds into.
    public var pairCount: Int {
        var count = 0
        forEachPair { _ in count += 1 }
        return count
    }

    /// 12 bytes plus 4 per entry.
    public var encodedSize: Int {
        RTCPFeedbackHeader.size + RTCPNACKPair.wireSize * pairCount
    }

    /// Writes the packet at the start of `buffer`; nil when it is too small, the list is empty,
    /// or it needs more entries than the length field can describe.
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let size = encodedSize
        guard size > RTCPFeedbackHeader.size, size <= rtcpMaximumPacketSize, buffer.count >= size else { return nil }
        buffer.storeRTCPFeedbackHeader(
            format: RTCPFeedbackFormat.genericNACK, packetType: RTCPPacketType.transportFeedback,
            size: size, sender: senderSSRC, media: mediaSSRC)
        var offset = RTCPFeedbackHeader.size
        var fits = true
        forEachPair { pair in
            guard fits, let written = pair.write(into: buffer, at: offset) else {
                fits = false
                return
            }
            offset += written
        }
        return fits ? size : nil
    }

    // Folds the list into entries: a number within 16 after the open PID sets a BLP bit.
    private func forEachPair(_ body: (RTCPNACKPair) -> Void) {
        var open: RTCPNACKPair?
        for sequence in lostSequenceNumbers {
            if var pair = open {
                let distance = sequence &- pair.packetID
                if distance == 0 { continue }
                if distance <= 16 {
                    pair.lostBitmask |= 1 << (distance - 1)
                    open = pair
                    continue
                }
                body(pair)
            }
            open = RTCPNACKPair(packetID: sequence, lostBitmask: 0)
        }
        if let pair = open { body(pair) }
    }
}

extension RTCPGenericNACKWriter: Sendable where LostSequenceNumbers: Sendable {}
