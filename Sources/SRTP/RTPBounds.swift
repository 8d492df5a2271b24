/// Bounds checks done before a packet reaches libsrtp, so a short or lying header can never make C read past it.
///
/// RTP fixed header (RFC 3550 §5.1) and header extension (§5.3.1):
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// |                           timestamp                           |
/// |           synchronization source (SSRC) identifier            |
/// |            contributing source (CSRC) identifiers  (CC × 32)  |
/// |      defined by profile       |           length              |  if X
/// |                        header extension (length × 32)         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
enum RTPBounds {
    /// Bytes of the RTCP header SRTCP leaves in the clear: V/P/RC, PT, length, SSRC (RFC 3711 §3.4).
    static let rtcpHeaderLength = 8
    /// Bytes of the fixed RTP header.
    static let rtpFixedHeaderLength = 12

    /// The length of the RTP header (fixed part, CSRCs and extension) in the first `length` bytes of `buffer`,
    /// or nil when those bytes cannot hold it or `length` is outside the buffer.
    static func headerLength(_ buffer: UnsafeMutableRawBufferPointer, length: Int) -> Int? {
        guard length >= rtpFixedHeaderLength, length <= buffer.count else { return nil }
        let first = buffer[0]
        var header = rtpFixedHeaderLength + 4 * Int(first & 0x0F)
        if first & 0x10 != 0 {
            guard header + 4 <= length else { return nil }
            let words = Int(buffer[header + 2]) << 8 | Int(buffer[header + 3])
            header += 4 + 4 * words
        }
        return header <= length ? header : nil
    }
}
