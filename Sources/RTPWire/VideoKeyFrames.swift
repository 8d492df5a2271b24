// Keyframe detection in video RTP payloads, so a forwarder switches sources only at a frame a decoder can start from.
//
// VP8 (RFC 7741 §4.2), payload descriptor:
//      0 1 2 3 4 5 6 7
//     +-+-+-+-+-+-+-+-+
//     |X|R|N|S|R| PID | (REQUIRED)
//     +-+-+-+-+-+-+-+-+
// X:  |I|L|T|K| RSV   | (OPTIONAL)
// I:  |M| PictureID   | (OPTIONAL, 7 or 15 bits)
// L:  |   TL0PICIDX   | (OPTIONAL)
// T/K:|TID|Y| KEYIDX  | (OPTIONAL)
// then the VP8 payload header, whose first bit P is 0 for a key frame (RFC 6386 §9.1), present when S=1 and PID=0.
//
// H.264 (RFC 6184 §5.2): the NAL unit type is the low 5 bits of the first byte; 5 is an IDR slice, 7 a sequence
// parameter set (sent before IDRs); STAP-A (24) aggregates NAL units (16-bit size each), FU-A (28) fragments one
// (FU header: S bit 0x80, type in the low 5 bits).

/// Which video codec a payload is in.
public enum VideoCodec: Sendable, Equatable {
    case vp8
    case h264
}

/// Keyframe detection on RTP payloads. Never traps on malformed input: anything it cannot read is "not a keyframe".
public enum VideoKeyFrame {
    /// Whether `payload` starts a keyframe (the first packet of one).
    public static func startsKeyFrame(_ payload: UnsafeRawBufferPointer, codec: VideoCodec) -> Bool {
        switch codec {
        case .vp8: vp8StartsKeyFrame(payload)
        case .h264: h264StartsKeyFrame(payload)
        }
    }

    static func vp8StartsKeyFrame(_ p: UnsafeRawBufferPointer) -> Bool {
        guard p.count >= 2 else { return false }
        let first = p[0]
        let start = first & 0x10 != 0
        let partition = first & 0x07
        guard start && partition == 0 else { return false }
        var offset = 1
        if first & 0x80 != 0 {
            guard offset < p.count else { return false }
            let x = p[offset]
            offset += 1
            if x & 0x80 != 0 {  // I: picture ID, 7 or 15 bits
                guard offset < p.count else { return false }
                offset += p[offset] & 0x80 != 0 ? 2 : 1
            }
            if x & 0x40 != 0 { offset += 1 }  // L
            if x & 0x30 != 0 { offset += 1 }  // T or K
        }
        guard offset < p.count else { return false }
        return p[offset] & 0x01 == 0
    }

    static func h264StartsKeyFrame(_ p: UnsafeRawBufferPointer) -> Bool {
        guard p.count >= 1 else { return false }
        let type = p[0] & 0x1F
        switch type {
        case 5, 7: return true
        case 24:  // STAP-A
            var offset = 1
            while offset + 2 < p.count {
                let size = Int(p[offset]) << 8 | Int(p[offset + 1])
                let nal = offset + 2
                guard size > 0, nal < p.count else { return false }
                let inner = p[nal] & 0x1F
                if inner == 5 || inner == 7 { return true }
                offset = nal + size
            }
            return false
        case 28:  // FU-A
            guard p.count >= 2 else { return false }
            let header = p[1]
            return header & 0x80 != 0 && (header & 0x1F) == 5
        default:
            return false
        }
    }
}
