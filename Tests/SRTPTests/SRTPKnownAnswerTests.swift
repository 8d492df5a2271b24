import SRTP
import Testing

/// Byte-exact agreement with an implementation written from the RFC text (Fixtures/make_fixtures.py).
@Suite struct SRTPKnownAnswerTests {
    @Test("RFC 3711 §3.1 / RFC 7714 §8: protected RTP matches the known answer", arguments: SRTPProfile.allCases)
    func protectRTPMatchesFixture(profile: SRTPProfile) throws {
        let fixture = try Fixture.load(profile)
        let session = try SRTPSession(keyMaterial: fixture.keyMaterial, direction: .outbound)
        for packet in fixture.rtp {
            let (result, bytes) = run(session, .rtp, protect: true, packet.plainBytes)
            #expect(result == .ok(length: packet.protectedBytes.count))
            #expect(bytes == packet.protectedBytes)
        }
        #expect(session.counters.protected == UInt64(fixture.rtp.count))
    }

    @Test("RFC 3711 §3.3 / RFC 7714 §8: known SRTP unprotects to the plaintext", arguments: SRTPProfile.allCases)
    func unprotectRTPMatchesFixture(profile: SRTPProfile) throws {
        let fixture = try Fixture.load(profile)
        let session = try SRTPSession(keyMaterial: fixture.keyMaterial, direction: .inbound)
        for packet in fixture.rtp {
            let (result, bytes) = run(session, .rtp, protect: false, packet.protectedBytes)
            #expect(result == .ok(length: packet.plainBytes.count))
            #expect(bytes == packet.plainBytes)
        }
    }

    @Test("RFC 3711 §3.4 / RFC 7714 §9: protected RTCP (E flag, index 1) matches the known answer",
          arguments: SRTPProfile.allCases)
    func protectRTCPMatchesFixture(profile: SRTPProfile) throws {
        let fixture = try Fixture.load(profile)
        let session = try SRTPSession(keyMaterial: fixture.keyMaterial, direction: .outbound)
        for packet in fixture.rtcp {
            let (result, bytes) = run(session, .rtcp, protect: true, packet.plainBytes)
            #expect(result == .ok(length: packet.protectedBytes.count))
            #expect(bytes == packet.protectedBytes)
            #expect(bytes.count - packet.plainBytes.count == profile.rtcpOverhead)
        }
    }

    @Test("RFC 3711 §3.4 / RFC 7714 §9: known SRTCP unprotects to the plaintext", arguments: SRTPProfile.allCases)
    func unprotectRTCPMatchesFixture(profile: SRTPProfile) throws {
        let fixture = try Fixture.load(profile)
        let session = try SRTPSession(keyMaterial: fixture.keyMaterial, direction: .inbound)
        for packet in fixture.rtcp {
            let (result, bytes) = run(session, .rtcp, protect: false, packet.protectedBytes)
            #expect(result == .ok(length: packet.plainBytes.count))
            #expect(bytes == packet.plainBytes)
        }
    }
}
