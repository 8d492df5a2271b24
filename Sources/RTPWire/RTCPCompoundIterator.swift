// RFC 3550 §6.1 — RTCP compound packets: several RTCP packets back to back, each starting
// with the common header; RFC 3550 Appendix A.2 — validity checks.
//
//  if encrypted: random 32-bit integer
//  |
//  |[--------- packet --------][---------- packet ----------][-packet-]
//  |
//  |                receiver            chunk        chunk
//  V                reports           item  item   item  item
//  --------------------------------------------------------------------
//  R[SR #sendinfo #site1#site2][SDES #CNAME PHONE #CNAME LOC][BYE##why]
//  --------------------------------------------------------------------
//  |                                                                  |
//  |<-----------------------  compound packet ----------------------->|
//  |<--------------------------  UDP packet ------------------------->|
//
// Each packet: V=2, and its length field must land inside the datagram; the lengths must add
// up to the datagram's size exactly. RFC 5506 reduced-size RTCP (a lone feedback packet) is
// accepted, so "first packet is SR or RR" is left to the caller (`startsWithReport`).

/// One RTCP packet of a compound packet, as a typed view. Variable-length parts are read from the buffer.
public enum RTCPPacket: Sendable, Equatable {
    /// SR (RFC 3550 §6.4.1).
    case senderReport(RTCPSenderReport)
    /// RR (RFC 3550 §6.4.2).
    case receiverReport(RTCPReceiverReport)
    /// SDES (RFC 3550 §6.5).
    case sourceDescription(RTCPSourceDescription)
    /// BYE (RFC 3550 §6.6).
    case goodbye(RTCPGoodbye)
    /// APP (RFC 3550 §6.7), recognised so it can be skipped.
    case applicationDefined(RTCPApplicationDefined)
    /// RTPFB FMT 1, generic NACK (RFC 4585 §6.2.1).
    case genericNACK(RTCPGenericNACK)
    /// PSFB FMT 1, picture loss indication (RFC 4585 §6.3.1).
    case pictureLossIndication(RTCPPictureLossIndication)
    /// PSFB FMT 4, full intra request (RFC 5104 §4.3.1).
    case fullIntraRequest(RTCPFullIntraRequest)
    /// A well-framed packet of another type or feedback format (XR, REMB, TMMBR, transport-cc...), skipped.
    case other(RTCPCommonHeader)

    /// Parses the packet framed by `header`; nil when its body is malformed for its type.
    public init?(_ header: RTCPCommonHeader, in buffer: UnsafeRawBufferPointer) {
        switch (header.packetType, header.count) {
        case (RTCPPacketType.senderReport, _):
            guard let packet = RTCPSenderReport(header, in: buffer) else { return nil }
            self = .senderReport(packet)
        case (RTCPPacketType.receiverReport, _):
            guard let packet = RTCPReceiverReport(header, in: buffer) else { return nil }
            self = .receiverReport(packet)
        case (RTCPPacketType.sourceDescription, _):
            guard let packet = RTCPSourceDescription(header, in: buffer) else { return nil }
            self = .sourceDescription(packet)
        case (RTCPPacketType.goodbye, _):
            guard let packet = RTCPGoodbye(header, in: buffer) else { return nil }
            self = .goodbye(packet)
        case (RTCPPacketType.applicationDefined, _):
            guard let packet = RTCPApplicationDefined(header, in: buffer) else { return nil }
            self = .applicationDefined(packet)
        case (RTCPPacketType.transportFeedback, RTCPFeedbackFormat.genericNACK):
            guard let packet = RTCPGenericNACK(header, in: buffer) else { return nil }
            self = .genericNACK(packet)
        case (RTCPPacketType.payloadSpecificFeedback, RTCPFeedbackFormat.pictureLossIndication):
            guard let packet = RTCPPictureLossIndication(header, in: buffer) else { return nil }
            self = .pictureLossIndication(packet)
        case (RTCPPacketType.payloadSpecificFeedback, RTCPFeedbackFormat.fullIntraRequest):
            guard let packet = RTCPFullIntraRequest(header, in: buffer) else { return nil }
            self = .fullIntraRequest(packet)
        default:
            self = .other(header)
        }
    }
}

/// Walks the packets of an RTCP compound packet (RFC 3550 §6.1) without allocating.
///
/// `next()` returns nil at the end, and also at the first malformed packet (bad version, a length
/// that runs past the datagram or leaves a tail shorter than a header, bad padding, or a body that
/// does not fit its type); `isMalformed` tells the two apart, so the caller can count the drop.
public struct RTCPCompoundIterator: IteratorProtocol, Sequence {
    private let packet: UnsafeRawBufferPointer
    /// Byte offset of the next packet to read.
    public private(set) var offset = 0
    /// True once the iterator stopped at a malformed packet rather than at the end.
    public private(set) var isMalformed = false
    /// The common header of the packet `next()` returned last.
    public private(set) var currentHeader: RTCPCommonHeader?

    /// An iterator over the RTCP packets in `packet` (one UDP datagram, already decrypted if SRTCP).
    public init(packet: UnsafeRawBufferPointer) {
        self.packet = packet
        // An empty datagram carries no RTCP packet: that is malformed, not an empty compound.
        self.isMalformed = packet.isEmpty
    }

    /// The next packet, or nil at the end or at a malformed packet.
    public mutating func next() -> RTCPPacket? {
        guard !isMalformed, offset < packet.count else { return nil }
        guard let header = RTCPCommonHeader(parsing: packet, at: offset),
              let parsed = RTCPPacket(header, in: packet)
        else {
            isMalformed = true
            return nil
        }
        offset = header.packetRange.upperBound
        currentHeader = header
        return parsed
    }

    /// RFC 3550 A.2: true when `packet` is a well-formed compound packet whose first packet is SR or RR,
    /// whose packets all parse, and where only the last packet has the padding bit set.
    public static func isValidCompound(_ packet: UnsafeRawBufferPointer) -> Bool {
        var iterator = RTCPCompoundIterator(packet: packet)
        var first = true
        var sawPadding = false
        while let parsed = iterator.next() {
            if sawPadding { return false }
            if first {
                switch parsed {
                case .senderReport, .receiverReport: break
                default: return false
                }
                first = false
            }
            if iterator.currentHeader?.hasPadding == true {
                sawPadding = true
            }
        }
        return !iterator.isMalformed && !first
    }
}
