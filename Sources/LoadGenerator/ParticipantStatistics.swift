/// What one participant (or all of them, summed) sent and received.
public struct ParticipantStatistics: Sendable, Equatable, Codable {
    /// RTP packets sent.
    public var packetsSent: UInt64 = 0
    /// Bytes of RTP sent (headers included).
    public var bytesSent: UInt64 = 0
    /// sendto failures.
    public var sendErrors: UInt64 = 0
    /// RTP packets received.
    public var packetsReceived: UInt64 = 0
    /// Bytes of RTP received.
    public var bytesReceived: UInt64 = 0
    /// RTCP packets received.
    public var rtcpReceived: UInt64 = 0
    /// Datagrams that were neither RTP nor RTCP.
    public var malformedReceived: UInt64 = 0
    /// Forward jumps in the sequence number (each a gap of one or more packets).
    public var gaps: UInt64 = 0
    /// Packets the gaps skipped.
    public var packetsMissing: UInt64 = 0
    /// Packets that arrived late or twice.
    public var reordered: UInt64 = 0
    /// Times the sender's SSRC changed.
    public var sourceChanges: UInt64 = 0
    /// RTP packets that arrived more than ``lateFrameNanoseconds`` after their schedule: their transit (arrival less
    /// the RTP timestamp's time) exceeded the smallest transit seen from that source in the last 100–200 packets by
    /// that much, so a 60 ms jitter buffer would have played silence in their place. Arrival is taken when the pacer
    /// drains the socket (every 20 ms), so the schedule absorbs that granularity.
    public var lateFrames: UInt64 = 0
    /// In-dialog INVITEs (re-INVITEs) received, answered or not.
    public var reinvites: UInt64 = 0
    /// The longest time between two consecutive RTP packets received, in nanoseconds (summed: the largest).
    public var longestGapNanoseconds: UInt64 = 0

    /// How far behind its schedule a frame may arrive before it counts as late: 60 ms.
    public static let lateFrameNanoseconds: UInt64 = 60_000_000

    /// Empty counters.
    public init() {}

    /// The counters of the time since `earlier` (a snapshot of the same participant or sum), for windows; the longest
    /// gap is kept as it is.
    public func since(_ earlier: Self) -> Self {
        var s = self
        s.packetsSent &-= earlier.packetsSent
        s.bytesSent &-= earlier.bytesSent
        s.sendErrors &-= earlier.sendErrors
        s.packetsReceived &-= earlier.packetsReceived
        s.bytesReceived &-= earlier.bytesReceived
        s.rtcpReceived &-= earlier.rtcpReceived
        s.malformedReceived &-= earlier.malformedReceived
        s.gaps &-= earlier.gaps
        s.packetsMissing &-= earlier.packetsMissing
        s.reordered &-= earlier.reordered
        s.sourceChanges &-= earlier.sourceChanges
        s.lateFrames &-= earlier.lateFrames
        s.reinvites &-= earlier.reinvites
        return s
    }

    /// Adds another participant's counters.
    public static func + (a: Self, b: Self) -> Self {
        var s = a
        s.packetsSent += b.packetsSent
        s.bytesSent += b.bytesSent
        s.sendErrors += b.sendErrors
        s.packetsReceived += b.packetsReceived
        s.bytesReceived += b.bytesReceived
        s.rtcpReceived += b.rtcpReceived
        s.malformedReceived += b.malformedReceived
        s.gaps += b.gaps
        s.packetsMissing += b.packetsMissing
        s.reordered += b.reordered
        s.sourceChanges += b.sourceChanges
        s.lateFrames += b.lateFrames
        s.reinvites += b.reinvites
        s.longestGapNanoseconds = max(a.longestGapNanoseconds, b.longestGapNanoseconds)
        return s
    }
}

