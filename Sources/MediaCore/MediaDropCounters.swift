import MCUControl
import SRTP

/// Packets of one stream dropped, by why: plain counters bumped with wrapping arithmetic on the packet path, read
/// once a second for statistics and metrics.
struct MediaDropCounters: Equatable {
    var malformed: UInt64 = 0
    var authentication: UInt64 = 0
    var replay: UInt64 = 0
    var wrongSource: UInt64 = 0
    var probation: UInt64 = 0
    var wrongSSRC: UInt64 = 0
    var payloadType: UInt64 = 0

    var total: UInt64 {
        malformed &+ authentication &+ replay &+ wrongSource &+ probation &+ wrongSSRC &+ payloadType
    }

    /// Counts a failed SRTP/SRTCP unprotect by its result.
    @inline(__always)
    mutating func count(_ result: SRTPResult) {
        switch result {
        case .replayed: replay &+= 1
        case .badLength: malformed &+= 1
        case .ok, .authenticationFailed, .failed: authentication &+= 1
        }
    }

    /// The sum of two sets of counters.
    static func &+ (a: Self, b: Self) -> Self {
        MediaDropCounters(
            malformed: a.malformed &+ b.malformed, authentication: a.authentication &+ b.authentication, replay: a.replay &+ b.replay,
            wrongSource: a.wrongSource &+ b.wrongSource, probation: a.probation &+ b.probation, wrongSSRC: a.wrongSSRC &+ b.wrongSSRC,
            payloadType: a.payloadType &+ b.payloadType)
    }

    /// What was counted since `earlier`.
    static func &- (a: Self, b: Self) -> Self {
        MediaDropCounters(
            malformed: a.malformed &- b.malformed, authentication: a.authentication &- b.authentication, replay: a.replay &- b.replay,
            wrongSource: a.wrongSource &- b.wrongSource, probation: a.probation &- b.probation, wrongSSRC: a.wrongSSRC &- b.wrongSSRC,
            payloadType: a.payloadType &- b.payloadType)
    }

    /// As the control protocol reports them.
    var statistics: MediaDropStatistics {
        MediaDropStatistics(
            malformed: malformed, authentication: authentication, replay: replay, wrongSource: wrongSource, probation: probation,
            wrongSSRC: wrongSSRC, payloadType: payloadType)
    }
}
