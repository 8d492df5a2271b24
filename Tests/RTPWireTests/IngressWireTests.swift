import RTPWire
import Testing

/// The pieces of one media ingress that live in RTPWire: the RFC 7983 classifier, named parse failures and the in-place
/// header rewrites a forwarder needs.
@Suite("RTP ingress wire pieces")
struct IngressWireTests {
    func classify(_ bytes: [UInt8]) -> PacketClass {
        bytes.withUnsafeBytes { PacketClass.classify($0, length: bytes.count) }
    }

    @Test("RFC 7983: STUN, ZRTP, DTLS, TURN channel, RTP and RTCP (RFC 5761 packet types 192-223) by their first bytes")
    func classifier() {
        #expect(classify([0x00, 0x01]) == .stun)
        #expect(classify([0x03, 0xFF]) == .stun)
        #expect(classify([0x10, 0x00]) == .zrtp)
        #expect(classify([0x16, 0xFE]) == .dtls)  // a DTLS handshake record
        #expect(classify([0x3F, 0x00]) == .dtls)
        #expect(classify([0x40, 0x00]) == .turnChannel)
        #expect(classify([0x80, 0x00]) == .rtp)
        #expect(classify([0x80, 0xE0]) == .rtp)  // marker + payload type 96
        #expect(classify([0x80, 200]) == .rtcp)  // SR
        #expect(classify([0x81, 205]) == .rtcp)  // RTPFB
        #expect(classify([0x80, 223]) == .rtcp)
        #expect(classify([0x80, 224]) == .rtp)
        #expect(classify([0xC0, 0x00]) == .unknown)
        #expect(classify([0x20, 0x00]) == .dtls)
        #expect(classify([0x80]) == .unknown, "too short to tell")
        #expect(classify([]) == .unknown)
    }

    @Test("parse failures are named: too short, wrong version, CSRC and extension overruns, bad padding")
    func namedFailures() {
        func parse(_ bytes: [UInt8]) -> Result<RTPHeader, RTPParseError> { bytes.withUnsafeBytes { RTPHeader.parse($0) } }
        let good: [UInt8] = [0x80, 0x00, 0x00, 0x01, 0, 0, 0, 1, 0, 0, 0, 2, 0xAA]
        #expect((try? parse(good).get())?.payloadRange == 12..<13)
        #expect(parse(Array(good.prefix(11))) == .failure(.tooShort))
        var v1 = good
        v1[0] = 0x40
        #expect(parse(v1) == .failure(.badVersion))
        var csrc = good
        csrc[0] = 0x82  // two CSRCs, one byte after the header
        #expect(parse(csrc) == .failure(.csrcOverrun))
        var ext = good
        ext[0] = 0x90  // extension bit, but only one byte follows
        #expect(parse(ext) == .failure(.extensionOverrun))
        var padded = good
        padded[0] = 0xA0
        padded[12] = 0  // padding count 0
        #expect(parse(padded) == .failure(.badPadding))
        padded[12] = 1  // one byte of padding: the payload is empty
        #expect((try? parse(padded).get())?.payloadRange.isEmpty == true)
    }

    @Test("in-place rewrites: sequence, timestamp, SSRC and payload type (the marker kept); a short buffer is left alone")
    func rewrites() {
        var bytes: [UInt8] = [0x80, 0xE0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x55]
        bytes.withUnsafeMutableBytes { buffer in
            #expect(RTPHeaderRewrite.setSequenceNumber(0xBEEF, in: buffer))
            #expect(RTPHeaderRewrite.setTimestamp(0x0102_0304, in: buffer))
            #expect(RTPHeaderRewrite.setSSRC(0xCAFE_F00D, in: buffer))
            #expect(RTPHeaderRewrite.setPayloadType(100, in: buffer))
        }
        let header = bytes.withUnsafeBytes { RTPHeader(parsing: $0) }
        #expect(header?.sequenceNumber == 0xBEEF && header?.timestamp == 0x0102_0304 && header?.ssrc == 0xCAFE_F00D)
        #expect(header?.payloadType == 100 && header?.marker == true)
        var short: [UInt8] = [0x80, 0x00, 0x01]
        let changed = short.withUnsafeMutableBytes { RTPHeaderRewrite.setSequenceNumber(7, in: $0) }
        #expect(!changed && short == [0x80, 0x00, 0x01])
    }
}
