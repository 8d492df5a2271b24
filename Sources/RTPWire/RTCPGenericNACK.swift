// RFC 4585 §6.2.1 — Generic NACK (RTPFB, PT = 205, FMT = 1).
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
// |            PID                |             BLP               |  (one or more)
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   PID: a lost packet's sequence number. BLP: bit i set means PID + i + 1 is lost too.

/// One generic NACK FCI entry: a lost packet and a bitmask of the 16 that follow it.
public struct RTCPNACKPair: Sendable, Equatable, Hashable {
    /// PID: the sequence number of a lost packet.
    public var packetID: UInt16
    /// BLP: bit i (least significant first) reports the loss of `packetID + i + 1`.
    public var lostBitmask: UInt16

    /// A NACK entry.
    public init(packetID: UInt16, lostBitmask: UInt16) {
        self.packetID = packetID
        self.lostBitmask = lostBitmask
    }

    /// The 1...17 lost sequence numbers this entry reports, in order (wrapping past 65535).
    public var lostSequenceNumbers: RTCPNACKPairIterator {
        RTCPNACKPairIterator(pair: self)
    }
}

extension RTCPNACKPair: RTCPWireElement {
    /// 4 bytes.
    public static var wireSize: Int { 4 }

    /// Reads PID and BLP at `offset`.
    public init?(parsing buffer: UnsafeRawBufferPointer, at offset: Int) {
        guard let pid = buffer.uint16(at: offset), let blp = buffer.uint16(at: offset &+ 2) else { return nil }
        self.packetID = pid
        self.lostBitmask = blp
    }

    /// Writes PID and BLP at `offset`.
    public func write(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int? {
        guard offset >= 0, buffer.count >= 4, offset <= buffer.count - 4 else { return nil }
        buffer.store(packetID, at: offset)
        buffer.store(lostBitmask, at: offset + 2)
        return 4
    }
}

/// Expands one NACK entry into its lost sequence numbers.
public struct RTCPNACKPairIterator: IteratorProtocol, Sequence, Sendable {
    private let pair: RTCPNACKPair
    // -1 yields the PID itself; 0...15 are BLP bits.
    private var bit = -1

    init(pair: RTCPNACKPair) {
        self.pair = pair
    }

    /// The next lost sequence number, or nil.
    public mutating func next() -> UInt16? {
        if bit < 0 {
            bit = 0
            return pair.packetID
        }
        while bit < 16 {
            let current = bit
            bit += 1
            if pair.lostBitmask & (1 << current) != 0 {
                return pair.packetID &+ UInt16(current + 1)
            }
        }
        return nil
    }
}

/// A view of a generic NACK (RFC 4585 §6.2.1).
public struct RTCPGenericNACK: Sendable, Equatable {
    /// The SSRC of the receiver sending the NACK.
    public var senderSSRC: UInt32
    /// The SSRC of the stream whose packets were lost.
    public var mediaSSRC: UInt32
    /// The PID/BLP entries (at least one).
    public var pairs: RTCPWireList<RTCPNACKPair>

    /// Parses the NACK whose common header is `header`; nil when it is not RTPFB FMT 1 or carries no entry.
    public init?(_ header: RTCPCommonHeader, in buffer: UnsafeRawBufferPointer) {
        guard let feedback = RTCPFeedbackHeader(
            header, packetType: RTCPPacketType.transportFeedback, format: RTCPFeedbackFormat.genericNACK, in: buffer),
            feedback.fciRange.count >= RTCPNACKPair.wireSize
        else { return nil }
        self.senderSSRC = feedback.senderSSRC
        self.mediaSSRC = feedback.mediaSSRC
        self.pairs = RTCPWireList(
            startOffset: feedback.fciRange.lowerBound, count: feedback.fciRange.count / RTCPNACKPair.wireSize)
    }

    /// Every lost sequence number the NACK reports, entry by entry.
    public func lostSequenceNumbers(in buffer: UnsafeRawBufferPointer) -> RTCPNACKLostIterator {
        RTCPNACKLostIterator(pairs: pairs.elements(in: buffer))
    }
}

/// Iterates every lost sequence number of a generic NACK.
public struct RTCPNACKLostIterator: IteratorProtocol, Sequence {
    private var pairs: RTCPWireListIterator<RTCPNACKPair>
    private var current: RTCPNACKPairIterator?

    init(pairs: RTCPWireListIterator<RTCPNACKPair>) {
        self.pairs = pairs
    }

    /// The next lost sequence number, or nil.
    public mutating func next() -> UInt16? {
        while true {
            if let sequence = current?.next() { return sequence }
            guard let pair = pairs.next() else { return nil }
            current = pair.lostSequenceNumbers
        }
    }
}
