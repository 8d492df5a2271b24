import SRTP
import Testing

/// Behaviour of one session: round trips, authentication, replay protection, and length guards.
@Suite struct SRTPSessionTests {
    private func pair(_ profile: SRTPProfile) throws -> (SRTPSession, SRTPSession) {
        let key = try SRTPKeyMaterial.random(profile: profile)
        return (
            try SRTPSession(keyMaterial: key, direction: .outbound), try SRTPSession(keyMaterial: key, direction: .inbound)
        )
    }

    @Test("RFC 3711 §3.3: RTP round trip at 60 and 1200 bytes; the tag adds rtpOverhead", arguments: SRTPProfile.allCases)
    func rtpRoundTrip(profile: SRTPProfile) throws {
        let (sender, receiver) = try pair(profile)
        for (sequence, size) in [(UInt16(1), 60), (2, 1200)] {
            let plain = rtpPacket(sequence: sequence, total: size)
            let (sent, wire) = run(sender, .rtp, protect: true, plain)
            #expect(sent == .ok(length: size + profile.rtpOverhead))
            #expect(wire[12..<size] != plain[12...], "payload must be encrypted")
            let (received, bytes) = run(receiver, .rtp, protect: false, wire)
            #expect(received == .ok(length: size))
            #expect(bytes == plain)
        }
        #expect(sender.counters.protected == 2)
        #expect(receiver.counters.unprotected == 2)
    }

    @Test("RFC 3711 §3.4: RTCP round trip at 60 and 1200 bytes; adds tag and E||index", arguments: SRTPProfile.allCases)
    func rtcpRoundTrip(profile: SRTPProfile) throws {
        let (sender, receiver) = try pair(profile)
        for size in [60, 1200] {
            let plain = rtcpPacket(total: size)
            let (sent, wire) = run(sender, .rtcp, protect: true, plain)
            #expect(sent == .ok(length: size + profile.rtcpOverhead))
            let (received, bytes) = run(receiver, .rtcp, protect: false, wire)
            #expect(received == .ok(length: size))
            #expect(bytes == plain)
        }
    }

    @Test("RFC 3711 §3.3 step 5: one flipped bit fails authentication and is counted", arguments: SRTPProfile.allCases)
    func flippedBitFailsAuthentication(profile: SRTPProfile) throws {
        let (sender, receiver) = try pair(profile)
        var (_, wire) = run(sender, .rtp, protect: true, rtpPacket(sequence: 7, total: 60))
        wire[30] ^= 0x04
        #expect(run(receiver, .rtp, protect: false, wire).0 == .authenticationFailed)
        var (_, rtcp) = run(sender, .rtcp, protect: true, rtcpPacket(total: 60))
        rtcp[20] ^= 0x01
        #expect(run(receiver, .rtcp, protect: false, rtcp).0 == .authenticationFailed)
        #expect(receiver.counters.authenticationFailures == 2)
        #expect(receiver.counters.unprotected == 0)
    }

    @Test("RFC 3711 §3.3.2: a replayed SRTP or SRTCP packet is rejected and counted", arguments: SRTPProfile.allCases)
    func replayIsRejected(profile: SRTPProfile) throws {
        let (sender, receiver) = try pair(profile)
        let (_, wire) = run(sender, .rtp, protect: true, rtpPacket(sequence: 100, total: 60))
        #expect(run(receiver, .rtp, protect: false, wire).0 == .ok(length: 60))
        #expect(run(receiver, .rtp, protect: false, wire).0 == .replayed)
        let (_, rtcp) = run(sender, .rtcp, protect: true, rtcpPacket(total: 60))
        #expect(run(receiver, .rtcp, protect: false, rtcp).0 == .ok(length: 60))
        #expect(run(receiver, .rtcp, protect: false, rtcp).0 == .replayed)
        #expect(receiver.counters.replays == 2)
    }

    @Test("RFC 3711 §3.3.2: a packet behind the replay window is rejected")
    func packetBehindWindowIsRejected() throws {
        let (sender, receiver) = try pair(.aesCM128HMACSHA1_80)
        let (_, old) = run(sender, .rtp, protect: true, rtpPacket(sequence: 1, total: 60))
        let (_, new) = run(sender, .rtp, protect: true, rtpPacket(sequence: 500, total: 60))
        #expect(run(receiver, .rtp, protect: false, new).0 == .ok(length: 60))
        #expect(run(receiver, .rtp, protect: false, old).0 == .replayed)
    }

    @Test("RFC 3711 §9.2: the sender refuses to protect the same index twice (keystream reuse)")
    func senderRefusesRepeatedIndex() throws {
        let (sender, _) = try pair(.aeadAES128GCM)
        let plain = rtpPacket(sequence: 9, total: 60)
        #expect(run(sender, .rtp, protect: true, plain).0 == .ok(length: 76))
        #expect(run(sender, .rtp, protect: true, plain).0 == .replayed)
        #expect(sender.counters.replays == 1)
    }

    @Test("Length guard: SRTP shorter than header + tag is badLength, never passed to libsrtp",
          arguments: SRTPProfile.allCases)
    func tooShortIsBadLength(profile: SRTPProfile) throws {
        let (_, receiver) = try pair(profile)
        let packet = rtpPacket(sequence: 1, total: 12 + profile.rtpOverhead - 1)
        #expect(run(receiver, .rtp, protect: false, packet).0 == .badLength)
        #expect(run(receiver, .rtp, protect: false, [0x80, 0, 0]).0 == .badLength)
        #expect(run(receiver, .rtcp, protect: false, rtcpPacket(total: 8 + profile.rtcpOverhead - 4)).0 == .badLength)
        #expect(run(receiver, .rtp, protect: false, [], room: 0).0 == .badLength)
        #expect(receiver.counters.badLength == 4)
    }

    @Test("Length guard: a header whose CSRC count or extension runs past the packet is badLength")
    func lyingHeaderIsBadLength() throws {
        let (sender, receiver) = try pair(.aesCM128HMACSHA1_80)
        var csrcs = rtpPacket(sequence: 1, total: 40)
        csrcs[0] = 0x8F  // 15 CSRCs = 72 bytes of header in a 40-byte packet
        #expect(run(sender, .rtp, protect: true, csrcs).0 == .badLength)
        #expect(run(receiver, .rtp, protect: false, csrcs).0 == .badLength)
        var extended = rtpPacket(sequence: 1, total: 40)
        extended[0] = 0x90
        extended[14] = 0xFF  // extension length 0xFF.. words
        #expect(run(sender, .rtp, protect: true, extended).0 == .badLength)
    }

    @Test("Length guard: length beyond the buffer, or no room for the tag, is badLength", arguments: SRTPProfile.allCases)
    func tooLargeIsBadLength(profile: SRTPProfile) throws {
        let (sender, receiver) = try pair(profile)
        let plain = rtpPacket(sequence: 1, total: 60)
        #expect(run(sender, .rtp, protect: true, plain, room: profile.rtpOverhead - 1).0 == .badLength)
        #expect(run(sender, .rtcp, protect: true, rtcpPacket(total: 60), room: profile.rtcpOverhead - 1).0 == .badLength)
        #expect(run(receiver, .rtp, protect: false, plain, room: 0, length: 61).0 == .badLength)
        #expect(run(receiver, .rtcp, protect: false, rtcpPacket(total: 60), room: 0, length: 61).0 == .badLength)
        #expect(sender.counters.badLength == 2)
        #expect(receiver.counters.badLength == 2)
        #expect(sender.counters.protected == 0)
    }

    @Test("Protect writes only within length + overhead: bytes after the buffer are untouched", arguments: SRTPProfile.allCases)
    func protectStaysInsideBuffer(profile: SRTPProfile) throws {
        let (sender, _) = try pair(profile)
        for (kind, plain, overhead) in [
            (PacketKind.rtp, rtpPacket(sequence: 3, total: 60), profile.rtpOverhead),
            (.rtcp, rtcpPacket(total: 60), profile.rtcpOverhead),
        ] {
            var storage = plain + [UInt8](repeating: 0, count: overhead) + [UInt8](repeating: 0xA5, count: 64)
            let result = storage.withUnsafeMutableBytes { all in
                let buffer = UnsafeMutableRawBufferPointer(rebasing: all[0..<(plain.count + overhead)])
                return kind == .rtp ? sender.protectRTP(buffer, length: plain.count)
                    : sender.protectRTCP(buffer, length: plain.count)
            }
            #expect(result == .ok(length: plain.count + overhead))
            #expect(storage[(plain.count + overhead)...].allSatisfy { $0 == 0xA5 })
        }
    }

    @Test("libsrtp: a replay window outside 64...32767 is refused with a reason")
    func badReplayWindowThrows() throws {
        let key = try SRTPKeyMaterial.random(profile: .aesCM128HMACSHA1_80)
        #expect(throws: SRTPError(.unsupportedSetting, "")) {
            try SRTPSession(keyMaterial: key, direction: .inbound, replayWindow: 16)
        }
    }

    @Test("A session with a different key cannot read the stream")
    func wrongKeyFailsAuthentication() throws {
        let (sender, _) = try pair(.aeadAES256GCM)
        let stranger = try SRTPSession(keyMaterial: .random(profile: .aeadAES256GCM), direction: .inbound)
        let (_, wire) = run(sender, .rtp, protect: true, rtpPacket(sequence: 1, total: 200))
        #expect(run(stranger, .rtp, protect: false, wire).0 == .authenticationFailed)
    }
}
