// RFC 3550 §6.7 — APP: Application-Defined RTCP Packet. Consort recognises it and skips it.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |V=2|P| subtype |   PT=APP=204  |             length            |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                           SSRC/CSRC                           |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                          name (ASCII)                         |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                   application-dependent data                ...
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// A view of an RTCP APP packet (RFC 3550 §6.7).
public struct RTCPApplicationDefined: Sendable, Equatable {
    /// The 5-bit subtype.
    public var subtype: UInt8
    /// The sender's SSRC or CSRC.
    public var ssrc: UInt32
    /// The four ASCII characters of the name, big-endian (e.g. 0x51_55_41_4C for "QUAL").
    public var name: UInt32
    /// The application-dependent data within the buffer.
    public var dataRange: Range<Int>

    /// Parses the APP whose common header is `header`; nil when the body is shorter than SSRC and name.
    public init?(_ header: RTCPCommonHeader, in buffer: UnsafeRawBufferPointer) {
        let body = header.bodyRange
        guard header.packetType == RTCPPacketType.applicationDefined, buffer.contains(body),
              body.count >= 8,
              let ssrc = buffer.uint32(at: body.lowerBound),
              let name = buffer.uint32(at: body.lowerBound + 4)
        else { return nil }
        self.subtype = header.count
        self.ssrc = ssrc
        self.name = name
        self.dataRange = (body.lowerBound + 8)..<body.upperBound
    }
}

/// Writes an RTCP APP packet whose data (a multiple of 4 bytes) comes from a caller's collection.
public struct RTCPApplicationDefinedWriter<Payload: Collection> where Payload.Element == UInt8 {
    /// The 5-bit subtype.
    public var subtype: UInt8
    /// The sender's SSRC or CSRC.
    public var ssrc: UInt32
    /// The four ASCII characters of the name, big-endian.
    public var name: UInt32
    /// The application-dependent data; its length must be a multiple of 4.
    public var data: Payload

    /// An APP packet.
    public init(subtype: UInt8, ssrc: UInt32, name: UInt32, data: Payload) {
        self.subtype = subtype
        self.ssrc = ssrc
        self.name = name
        self.data = data
    }

    /// Header, SSRC, name and data.
    public var encodedSize: Int {
        RTCPCommonHeader.size + 8 + data.count
    }

    /// Writes the packet at the start of `buffer`; nil when it is too small, the subtype exceeds 31,
    /// or the data is not a multiple of 4 bytes or too long for the length field.
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let size = encodedSize
        guard subtype <= 31, data.count % 4 == 0, size <= rtcpMaximumPacketSize, buffer.count >= size
        else { return nil }
        buffer.storeRTCPHeader(count: subtype, packetType: RTCPPacketType.applicationDefined, size: size)
        buffer.store(ssrc, at: 4)
        buffer.store(name, at: 8)
        var offset = 12
        for byte in data {
            guard offset < size else { return nil }
            buffer.store(byte, at: offset)
            offset += 1
        }
        return size
    }
}

extension RTCPApplicationDefinedWriter: Sendable where Payload: Sendable {}
