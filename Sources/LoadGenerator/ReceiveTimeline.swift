/// When one participant's RTP arrived, on the monotonic clock (nanoseconds, ``MediaPacer/now()``): the first and last
/// packet, the longest silence between two packets and when it ended (an outage — a dead MCU — is this gap), and how
/// long each re-INVITE took to bring media from the address it named. Kept by the pacer's thread only.
struct ReceiveTimeline: Sendable, Equatable {
    /// The first and the latest RTP packet received (0: none yet).
    private(set) var firstPacketAt: UInt64 = 0
    private(set) var lastPacketAt: UInt64 = 0
    /// The longest time between two consecutive packets, and when the packet that ended it arrived.
    private(set) var longestGap: UInt64 = 0
    private(set) var longestGapEndedAt: UInt64 = 0
    /// For each re-INVITE matched so far, the time from its arrival to the first packet from its new address.
    private(set) var reinviteToMedia: [UInt64] = []
    /// The re-INVITE waiting for its first packet (0: none), and the latest one seen.
    private var pendingReinviteAt: UInt64 = 0
    private var seenReinviteAt: UInt64 = 0

    /// The latest re-INVITE's time as the handler stored it; a new one starts waiting for its first packet.
    mutating func noteReinvite(at time: UInt64) {
        guard time != 0, time != seenReinviteAt else { return }
        seenReinviteAt = time
        pendingReinviteAt = time
    }

    /// An RTP packet arrived at `time`; `fromNewAddress`: from the address the latest answer named.
    mutating func packetArrived(at time: UInt64, fromNewAddress: Bool) {
        if lastPacketAt != 0, time > lastPacketAt, time - lastPacketAt > longestGap {
            longestGap = time - lastPacketAt
            longestGapEndedAt = time
        }
        if firstPacketAt == 0 { firstPacketAt = time }
        lastPacketAt = max(lastPacketAt, time)
        if pendingReinviteAt != 0, fromNewAddress, time >= pendingReinviteAt {
            reinviteToMedia.append(time - pendingReinviteAt)
            pendingReinviteAt = 0
        }
    }
}
