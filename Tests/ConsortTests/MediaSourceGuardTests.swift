import MCUControl
@testable import MediaCore
import Testing

/// The latching rules as a pure value: strict RTP with probation (Asterisk after AST-2017-005/008), no sockets.
@Suite("Media source guard")
struct MediaSourceGuardTests {
    static func address(_ host: String, _ port: Int) -> MediaAddress {
        MediaAddress(host: host, port: port) ?? MediaAddress(ip: 0, port: 0)
    }

    let sdp = Self.address("10.0.0.5", 4_000)
    let sdpRTCP = Self.address("10.0.0.5", 4_001)
    let natIP = Self.address("198.51.100.7", 0).ip
    let nat = Self.address("198.51.100.7", 61_000)
    let attacker = Self.address("203.0.113.66", 4_000)

    func makeGuard(probation: Int = 4) -> MediaSourceGuard {
        MediaSourceGuard(signalled: sdp, signalledRTCP: sdpRTCP, signallingIP: natIP, probationPackets: probation)
    }

    @Test("packets from the SDP's own address:port are accepted at once and learned")
    func signalledAddressAtOnce() {
        var g = makeGuard()
        #expect(g.check(source: sdp, ssrc: 1, sequence: 10, authenticated: false, tick: 1) == .learn)
        #expect(g.check(source: sdp, ssrc: 1, sequence: 11, authenticated: false, tick: 2) == .accept)
        #expect(g.learned == sdp)
    }

    @Test("an address signalling never named is refused, before and after learning, however many packets it sends")
    func foreignAddressRefused() {
        var g = makeGuard()
        for i in 0..<20 {
            #expect(g.check(source: attacker, ssrc: 9, sequence: UInt16(i), authenticated: false, tick: UInt64(i)) == .wrongSource)
        }
        #expect(!g.allowsIP(attacker.ip))
        _ = g.check(source: sdp, ssrc: 1, sequence: 0, authenticated: false, tick: 30)
        for i in 0..<20 {
            #expect(g.check(source: attacker, ssrc: 1, sequence: UInt16(i + 1), authenticated: false, tick: 200 + UInt64(i)) == .wrongSource)
        }
        #expect(g.learned == sdp)
    }

    @Test("NAT: the signalling source's IP is learned after N consecutive in-sequence packets with one SSRC, not before")
    func probation() {
        var g = makeGuard(probation: 4)
        #expect(g.check(source: nat, ssrc: 7, sequence: 100, authenticated: false, tick: 1) == .probation)
        #expect(g.check(source: nat, ssrc: 7, sequence: 101, authenticated: false, tick: 2) == .probation)
        // Out of sequence: probation starts again.
        #expect(g.check(source: nat, ssrc: 7, sequence: 150, authenticated: false, tick: 3) == .probation)
        #expect(g.check(source: nat, ssrc: 7, sequence: 151, authenticated: false, tick: 4) == .probation)
        // Another SSRC: again.
        #expect(g.check(source: nat, ssrc: 8, sequence: 152, authenticated: false, tick: 5) == .probation)
        #expect(g.check(source: nat, ssrc: 8, sequence: 153, authenticated: false, tick: 6) == .probation)
        #expect(g.check(source: nat, ssrc: 8, sequence: 154, authenticated: false, tick: 7) == .probation)
        #expect(g.learned == nil)
        #expect(g.check(source: nat, ssrc: 8, sequence: 155, authenticated: false, tick: 8) == .learn)
        #expect(g.learned == nat)
        #expect(g.check(source: nat, ssrc: 8, sequence: 156, authenticated: false, tick: 9) == .accept)
    }

    @Test("sequence numbers wrap during probation without trapping")
    func probationWraps() {
        var g = makeGuard(probation: 3)
        #expect(g.check(source: nat, ssrc: 7, sequence: 65_534, authenticated: false, tick: 1) == .probation)
        #expect(g.check(source: nat, ssrc: 7, sequence: 65_535, authenticated: false, tick: 2) == .probation)
        #expect(g.check(source: nat, ssrc: 7, sequence: 0, authenticated: false, tick: 3) == .learn)
    }

    @Test("once learned, a new port on the same IP never takes a live stream; after 1 s of silence it may, after probation")
    func rebinding() {
        var g = makeGuard(probation: 2)
        _ = g.check(source: sdp, ssrc: 1, sequence: 0, authenticated: false, tick: 100)
        let rebound = Self.address("10.0.0.5", 5_000)
        #expect(g.check(source: rebound, ssrc: 1, sequence: 1, authenticated: false, tick: 101) == .wrongSource)
        #expect(g.check(source: sdp, ssrc: 1, sequence: 1, authenticated: false, tick: 102) == .accept)
        #expect(g.check(source: rebound, ssrc: 1, sequence: 2, authenticated: false, tick: 103) == .wrongSource)
        let later = 102 + MediaSourceGuard.rebindSilenceTicks
        #expect(g.check(source: rebound, ssrc: 1, sequence: 50, authenticated: false, tick: later) == .probation)
        #expect(g.check(source: rebound, ssrc: 1, sequence: 51, authenticated: false, tick: later + 1) == .learn)
        // Another IP never, silent or not.
        #expect(g.check(source: attacker, ssrc: 1, sequence: 52, authenticated: false, tick: later + 500) == .wrongSource)
    }

    @Test("SRTP: an authenticated packet moves the stream from anywhere")
    func srtpMovesOnAuthentication() {
        var g = makeGuard()
        _ = g.check(source: sdp, ssrc: 1, sequence: 0, authenticated: true, tick: 1)
        #expect(g.check(source: attacker, ssrc: 1, sequence: 1, authenticated: true, tick: 2) == .learn)
        #expect(g.learned == attacker)
    }

    @Test("a re-INVITE with a new address resets learning: the new address is accepted, the old one only by probation rules")
    func resetBySignalling() {
        var g = makeGuard()
        _ = g.check(source: sdp, ssrc: 1, sequence: 0, authenticated: false, tick: 1)
        let moved = Self.address("192.0.2.40", 7_000)
        g.reset(signalled: moved, signalledRTCP: nil, signallingIP: nil)
        #expect(g.learned == nil)
        #expect(g.check(source: sdp, ssrc: 1, sequence: 1, authenticated: false, tick: 2) == .wrongSource)
        #expect(g.check(source: moved, ssrc: 1, sequence: 2, authenticated: false, tick: 3) == .learn)
    }

    @Test("RTCP: accepted from the signalled and signalling IPs and the learned one (any port), never from elsewhere")
    func rtcpSources() {
        var g = makeGuard()
        #expect(g.acceptsRTCP(from: sdpRTCP, authenticated: false))
        #expect(g.acceptsRTCP(from: Self.address("198.51.100.7", 3_333), authenticated: false))
        #expect(!g.acceptsRTCP(from: attacker, authenticated: false))
        #expect(g.acceptsRTCP(from: attacker, authenticated: true))
        #expect(!g.rtcpTarget(Self.address("198.51.100.7", 3_333), authenticated: false), "not a target before learning")
        for i in 0..<4 { _ = g.check(source: nat, ssrc: 3, sequence: UInt16(i), authenticated: false, tick: UInt64(i)) }
        #expect(g.learned == nat)
        #expect(g.rtcpTarget(Self.address("198.51.100.7", 3_333), authenticated: false))
    }
}
