/// In-place changes to the fixed header of an RTP packet in a caller's buffer (RFC 3550 §5.1), for forwarding: a
/// receiver's own sequence numbers, timestamps, SSRC and payload type. Each returns false, changing nothing, when the
/// buffer is shorter than the fixed header. No allocation.
public enum RTPHeaderRewrite {
    /// Sets the sequence number.
    @inline(__always) @discardableResult
    public static func setSequenceNumber(_ value: UInt16, in packet: UnsafeMutableRawBufferPointer) -> Bool {
        guard packet.count >= RTPHeader.fixedSize else { return false }
        packet.store(value, at: 2)
        return true
    }

    /// Sets the timestamp.
    @inline(__always) @discardableResult
    public static func setTimestamp(_ value: UInt32, in packet: UnsafeMutableRawBufferPointer) -> Bool {
        guard packet.count >= RTPHeader.fixedSize else { return false }
        packet.store(value, at: 4)
        return true
    }

    /// Sets the SSRC.
    @inline(__always) @discardableResult
    public static func setSSRC(_ value: UInt32, in packet: UnsafeMutableRawBufferPointer) -> Bool {
        guard packet.count >= RTPHeader.fixedSize else { return false }
        packet.store(value, at: 8)
        return true
    }

    /// Sets the payload type (7 bits), keeping the marker bit.
    @inline(__always) @discardableResult
    public static func setPayloadType(_ value: UInt8, in packet: UnsafeMutableRawBufferPointer) -> Bool {
        guard packet.count >= RTPHeader.fixedSize else { return false }
        packet[1] = (packet[1] & 0x80) | (value & 0x7F)
        return true
    }
}
