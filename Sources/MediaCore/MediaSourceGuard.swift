/// Which source addresses one media stream (audio or video of one endpoint) accepts: strict symmetric RTP with
/// probation, the rule of Asterisk's strict RTP after AST-2017-005/008. Pure value code, no sockets and no clock (the
/// caller passes its 20 ms tick), so every rule is unit-tested without a network.
///
/// - Packets from the exact address:port the SDP names are accepted at once, and that address is learned.
/// - Packets from the IP address that sent the SIP request (a caller behind NAT, whose SDP names an address no one can
///   reach) are accepted only after a probation of `probationPackets` consecutive in-sequence packets from one
///   address:port with one SSRC; the address is then learned.
/// - Once learned, a plain stream stays on that address. A new port on the learned IP (NAT rebinding) or on the
///   signalling IP may be probated again only when the learned source has been silent for `rebindSilenceTicks`
///   (a sender beside a live phone never takes its stream). Another IP address never: only signalling moves the
///   stream (``reset(signalled:signallingIP:)`` on a re-INVITE with a new address).
/// - SRTP: a packet that authenticated is proof enough wherever it comes from; the stream moves to its source.
/// - RTCP is accepted from the learned IP, the signalled addresses' IPs or the signalling IP (any port: NATs map the
///   RTCP port independently), or from anywhere when it authenticated.
struct MediaSourceGuard: Sendable, Equatable {
    /// What to do with one RTP packet.
    enum Verdict: Equatable {
        /// Accept: the source is the learned one.
        case accept
        /// Accept, and from now on send to (and accept only) this source.
        case learn
        /// Drop: the source may become acceptable after more in-sequence packets.
        case probation
        /// Drop: the source is not one signalling allowed.
        case wrongSource
    }

    /// Silence from the learned source (ticks, 1 s) after which a new port on an allowed IP may be probated.
    static let rebindSilenceTicks: UInt64 = 50

    /// The SDP's RTP address and the RTCP address it implies (or names with a=rtcp).
    private(set) var signalled: MediaAddress?
    private(set) var signalledRTCP: MediaAddress?
    /// The IP address (network order) the SIP request came from, when known.
    private(set) var signallingIP: UInt32?
    /// The source accepted so far, if any.
    private(set) var learned: MediaAddress?
    /// The tick the learned source last sent an accepted packet.
    private(set) var lastAcceptedTick: UInt64 = 0
    let probationPackets: Int

    // The source on probation: its address, SSRC, last sequence number and how many in sequence so far.
    private var candidate: MediaAddress?
    private var candidateSSRC: UInt32 = 0
    private var candidateSequence: UInt16 = 0
    private var candidateCount = 0

    init(signalled: MediaAddress?, signalledRTCP: MediaAddress?, signallingIP: UInt32?, probationPackets: Int) {
        self.signalled = signalled
        self.signalledRTCP = signalledRTCP
        self.signallingIP = signallingIP
        self.probationPackets = max(1, probationPackets)
    }

    /// Signalling moved the stream (a re-INVITE with a new address): forget what was learned.
    mutating func reset(signalled: MediaAddress?, signalledRTCP: MediaAddress?, signallingIP: UInt32?) {
        self = MediaSourceGuard(
            signalled: signalled, signalledRTCP: signalledRTCP, signallingIP: signallingIP ?? self.signallingIP,
            probationPackets: probationPackets)
    }

    /// Whether a source's IP is one signalling allows at all (the SDP's addresses, the signalling source, the learned IP).
    @inline(__always)
    func allowsIP(_ ip: UInt32) -> Bool {
        ip == signalled?.ip || ip == signalledRTCP?.ip || ip == signallingIP || ip == learned?.ip
    }

    /// The verdict on an RTP packet from `source` with `ssrc` and `sequence` that parsed; `authenticated` when SRTP
    /// verified it. No allocation.
    @inline(__always)
    mutating func check(source: MediaAddress, ssrc: UInt32, sequence: UInt16, authenticated: Bool, tick: UInt64) -> Verdict {
        if let learned, learned == source {
            lastAcceptedTick = tick
            return .accept
        }
        if authenticated || source == signalled {
            return learn(source, tick: tick)
        }
        let mayProbate: Bool
        if let learned {
            // A live learned source is never replaced by a plain one; a silent one may be by a new port on its IP.
            let silent = tick &- lastAcceptedTick >= Self.rebindSilenceTicks
            mayProbate = silent && (source.ip == learned.ip || source.ip == signallingIP)
        } else {
            mayProbate = source.ip == signallingIP
        }
        guard mayProbate else { return .wrongSource }
        if candidate == source && ssrc == candidateSSRC && sequence == candidateSequence &+ 1 {
            candidateCount &+= 1
        } else {
            candidate = source
            candidateSSRC = ssrc
            candidateCount = 1
        }
        candidateSequence = sequence
        return candidateCount >= probationPackets ? learn(source, tick: tick) : .probation
    }

    private mutating func learn(_ source: MediaAddress, tick: UInt64) -> Verdict {
        learned = source
        lastAcceptedTick = tick
        candidate = nil
        candidateCount = 0
        return .learn
    }

    /// Whether an RTCP packet from `source` is accepted (`authenticated` when SRTCP verified it).
    @inline(__always)
    func acceptsRTCP(from source: MediaAddress, authenticated: Bool) -> Bool {
        authenticated || source == signalledRTCP || source == signalled || allowsIP(source.ip)
    }

    /// Whether an accepted RTCP packet from `source` is where our RTCP should go (symmetric RTCP): the SDP's RTCP
    /// address, or any port on the learned IP; for SRTP, any source that authenticated.
    @inline(__always)
    func rtcpTarget(_ source: MediaAddress, authenticated: Bool) -> Bool {
        authenticated || source == signalledRTCP || (learned.map { $0.ip == source.ip } ?? false)
    }
}
