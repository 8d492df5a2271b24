import RTPWire
import Testing

@Suite("Video keyframe detection (RFC 7741, RFC 6184)")
struct VideoKeyFrameTests {
    func check(_ bytes: [UInt8], _ codec: VideoCodec) -> Bool {
        bytes.withUnsafeBytes { VideoKeyFrame.startsKeyFrame($0, codec: codec) }
    }

    @Test("VP8: S=1, PID=0 and P=0 is a key frame; P=1 or a continuation is not")
    func vp8() {
        #expect(check([0x10, 0x00, 0x9D, 0x01, 0x2A], .vp8))  // minimal descriptor, key frame
        #expect(!check([0x10, 0x01, 0x00], .vp8))  // inter frame (P=1)
        #expect(!check([0x00, 0x00, 0x00], .vp8))  // not the start of a partition
        // X=1 with I (15-bit picture ID), L, T: descriptor of 5 bytes, then the payload header.
        #expect(check([0x90, 0xE0, 0x80, 0x01, 0x05, 0x40, 0x00, 0x9D], .vp8))
        #expect(!check([0x90, 0xE0, 0x80, 0x01, 0x05, 0x40, 0x01], .vp8))
        #expect(!check([0x90, 0xE0], .vp8))  // truncated: not a key frame, no trap
        #expect(!check([], .vp8))
    }

    @Test("H.264: IDR, SPS, STAP-A holding an SPS, FU-A starting an IDR")
    func h264() {
        #expect(check([0x65, 0x88], .h264))  // IDR
        #expect(check([0x67, 0x42], .h264))  // SPS
        #expect(!check([0x41, 0x9A], .h264))  // non-IDR slice
        #expect(check([0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xCE], .h264))  // STAP-A: SPS, PPS
        #expect(check([0x7C, 0x85, 0x88], .h264))  // FU-A, start, IDR
        #expect(!check([0x7C, 0x05, 0x88], .h264))  // FU-A continuation
        #expect(!check([0x78, 0xFF, 0xFF], .h264))  // STAP-A with a size running off the end
    }
}
