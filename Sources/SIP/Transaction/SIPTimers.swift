public import NIOCore

/// The timers of RFC 3261 §17 (table 4), from T1, T2 and T4.
public struct SIPTimers: Sendable, Equatable {
    /// Round-trip estimate.
    public var t1: TimeAmount
    /// Longest retransmit interval for non-INVITE requests and INVITE responses.
    public var t2: TimeAmount
    /// Longest time a message stays in the network.
    public var t4: TimeAmount

    public init(t1: TimeAmount = .milliseconds(500), t2: TimeAmount = .seconds(4), t4: TimeAmount = .seconds(5)) {
        self.t1 = t1
        self.t2 = t2
        self.t4 = t4
    }

    /// Timer A: first INVITE retransmission (UDP); doubles each time.
    public var a: TimeAmount { t1 }
    /// Timer B: INVITE transaction timeout.
    public var b: TimeAmount { t1 * 64 }
    /// Timer D: wait for response retransmissions after a final error response (UDP).
    public var d: TimeAmount { max(.seconds(32), t1 * 64) }
    /// Timer E: first non-INVITE retransmission (UDP).
    public var e: TimeAmount { t1 }
    /// Timer F: non-INVITE transaction timeout.
    public var f: TimeAmount { t1 * 64 }
    /// Timer G: first INVITE final response retransmission (UDP).
    public var g: TimeAmount { t1 }
    /// Timer H: wait for ACK.
    public var h: TimeAmount { t1 * 64 }
    /// Timer I: absorb ACK retransmissions (UDP).
    public var i: TimeAmount { t4 }
    /// Timer J: absorb non-INVITE request retransmissions (UDP).
    public var j: TimeAmount { t1 * 64 }
    /// Timer K: absorb response retransmissions (UDP).
    public var k: TimeAmount { t4 }
    /// Timer L (RFC 6026): the accepted INVITE server transaction absorbs INVITE retransmissions.
    public var l: TimeAmount { t1 * 64 }
    /// Timer M (RFC 6026): the accepted INVITE client transaction absorbs 2xx retransmissions.
    public var m: TimeAmount { t1 * 64 }

    /// The next retransmission interval after `current`, doubling up to `cap`.
    static func doubled(_ current: TimeAmount, cap: TimeAmount?) -> TimeAmount {
        let next = current * 2
        if let cap, next > cap { return cap }
        return next
    }
}
