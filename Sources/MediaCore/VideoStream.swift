import RTPWire
import SRTP

/// One endpoint's video in the SFU: the socket its video arrives on and leaves from, its SRTP, and — as a receiver —
/// which source it is shown and how that source's sequence numbers and timestamps are rewritten into the single
/// stream this endpoint sees (so a switch of source is seamless to its decoder). Confined to the conference's loop.
final class VideoStream: @unchecked Sendable {  // handed to one conference loop, then used only there
    let rtp: any DatagramPort
    let rtcp: (any DatagramPort)?
    var payloadType: UInt8
    let codec: VideoCodec
    var inbound: InboundSRTP?
    var outbound: SRTPSession?
    /// Our new key after a re-key, until the peer has our answer.
    var pendingOutbound: PendingOutboundKey?
    /// Whether the endpoint sends us video / wants video from us (from the negotiated direction; a re-INVITE changes it).
    var sends: Bool
    var receives: Bool
    /// Prefer FIR (RFC 5104) over PLI when the endpoint only announced `ccm fir`.
    let prefersFIR: Bool
    /// The SSRC of the one video stream this endpoint receives from us.
    let localSSRC: UInt32

    var remote: MediaAddress?
    var remoteRTCP: MediaAddress?
    /// Which sources are accepted (the same rules as audio).
    var sourceGuard: MediaSourceGuard
    var latched: Bool { sourceGuard.learned != nil }
    var remoteSSRC: UInt32?
    /// Whether this stream's peer has shown life; until then (unless its audio has, from the same IP) video goes out
    /// for `unverifiedTicksLeft` more ticks only.
    var verified = false
    var unverifiedTicksLeft: UInt64

    // As a receiver: the source shown, the one waited for (until its next keyframe), and the rewrite.
    var source: EndpointKey?
    var pending: EndpointKey?
    /// When this receiver last asked for `pending`'s keyframe (its own, whatever the source's throttle did with it).
    var pendingAskedTick: UInt64 = 0
    var sequenceDelta: UInt16 = 0
    var timestampDelta: UInt32 = 0
    var nextSequence: UInt16
    var lastTimestamp: UInt32
    /// When (monotonic nanoseconds) the last packet went out to this receiver, and how many bytes in all: its RTCP
    /// sender reports map `lastTimestamp` to that moment (RFC 3550 §6.4.1).
    var lastForwardTime: UInt64 = 0
    var bytesForwarded: UInt64 = 0
    /// Where the receiver's sequence numbers changed their offset from the source's (a switch, a dropped padding-only
    /// packet), newest last: a NACK maps back through the offset in force at its sequence number.
    var offsets = SequenceOffsets()

    // As a source: when its last accepted video packet arrived (the most recent other sender is the fallback view).
    var lastPacketTick: UInt64 = 0

    // As a source: when we last asked it for a keyframe, and the FIR sequence number (RFC 5104 §4.3.1.1).
    var lastKeyFrameRequestTick: UInt64 = 0
    var firSequence: UInt8 = 0

    /// What this endpoint sent us lately, for answering other receivers' NACKs.
    let history = RetransmissionBuffer()
    var retransmissions: UInt64 = 0

    var packetsReceived: UInt64 = 0
    /// Bytes of accepted RTP as received, and of RTP sent to this endpoint as sent (after SRTP).
    var bytesReceived: UInt64 = 0
    var bytesSent: UInt64 = 0
    var rtcpReceived: UInt64 = 0
    var packetsForwarded: UInt64 = 0
    /// RTCP sender reports sent for the forwarded stream.
    var reportsSent: UInt64 = 0
    var keyFrameRequestsSent: UInt64 = 0
    var drops = MediaDropCounters()

    init(
        rtp: any DatagramPort, rtcp: (any DatagramPort)?, payloadType: UInt8, codec: VideoCodec, inbound: SRTPSession?, outbound: SRTPSession?,
        sends: Bool, receives: Bool, prefersFIR: Bool, source: MediaSourceGuard, unverifiedSendTicks: UInt64
    ) {
        self.rtp = rtp
        self.rtcp = rtcp
        self.payloadType = payloadType
        self.codec = codec
        self.inbound = inbound.map(InboundSRTP.init)
        self.outbound = outbound
        self.sends = sends
        self.receives = receives
        self.prefersFIR = prefersFIR
        self.remote = source.signalled
        self.remoteRTCP = source.signalledRTCP
        self.sourceGuard = source
        self.unverifiedTicksLeft = unverifiedSendTicks
        var generator = SystemRandomNumberGenerator()
        localSSRC = UInt32.random(in: 1...UInt32.max, using: &generator)
        nextSequence = UInt16.random(in: 0...UInt16.max, using: &generator)
        lastTimestamp = UInt32.random(in: 0...UInt32.max, using: &generator)
    }
}

extension VideoStream {
    /// Signalling moved the video stream (a re-INVITE with a new address): learning and verification start again.
    func resignal(remote newRemote: MediaAddress, rtcp newRTCP: MediaAddress?, signallingIP: UInt32? = nil) {
        sourceGuard.reset(signalled: newRemote, signalledRTCP: newRTCP, signallingIP: signallingIP)
        remote = newRemote
        remoteRTCP = newRTCP
        remoteSSRC = nil
        verified = false
    }
}

extension MediaEndpoint {
    /// Where this endpoint's video may go now: its video peer showed life, or the unverified window is open, or its
    /// audio showed life from the same IP.
    @inline(__always)
    func videoTarget(_ video: VideoStream) -> MediaAddress? {
        guard let target = video.remote else { return nil }
        if video.verified || video.unverifiedTicksLeft > 0 || (verified && remote?.ip == target.ip) { return target }
        return nil
    }
}

/// The last few changes of a receiver's sequence-number offset, in a fixed ring (no allocation after init).
struct SequenceOffsets {
    static let capacity = 16
    private var from = [UInt16](repeating: 0, count: SequenceOffsets.capacity)
    private var delta = [UInt16](repeating: 0, count: SequenceOffsets.capacity)
    private var count = 0
    private var newest = 0

    /// From receiver sequence number `receiverSequence` on, source = receiver − `offset`.
    mutating func record(from receiverSequence: UInt16, offset: UInt16) {
        newest = (newest + 1) % Self.capacity
        from[newest] = receiverSequence
        delta[newest] = offset
        count = min(count + 1, Self.capacity)
    }

    /// The source sequence number behind a receiver's, or nil when it is older than the ring remembers.
    func source(for receiverSequence: UInt16) -> UInt16? {
        var index = newest
        for _ in 0..<count {
            // At or after this change (within half the sequence space).
            if receiverSequence &- from[index] < 0x8000 { return receiverSequence &- delta[index] }
            index = (index + Self.capacity - 1) % Self.capacity
        }
        return nil
    }
}

/// Identifies an endpoint within its conference without holding a reference to it.
typealias EndpointKey = Int
