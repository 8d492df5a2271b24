import Foundation
import MCUControl
import MediaCore
import SRTP
import Testing
import TestSupport

/// Offer/answer over the whole call (issue 10 §1; RFC 3264 §8, RFC 4568 §7.1.4): the MCU answers re-INVITEs with the
/// same session, ports and keys, re-keys only when the peer does (losing nothing to the switch), keeps video, applies
/// hold and resume, refuses a codec change, and makes the lobby's sendonly and the admission re-offer itself. Media runs
/// on manual ticks.
@Suite("MCU renegotiation (re-INVITE, hold, re-key)", .serialized, .timeLimit(.minutes(1)))
struct RenegotiationTests {
    let trust = MediaSourceTrustTests()
    static let silence = [UInt8](repeating: 0xFF, count: 160)

    func makeRig() throws -> ManualMediaRig { try ManualMediaRig { $0.unverifiedSendSeconds = 5 } }

    func offer(
        port: Int, key: String?, version: Int, direction: String = "sendrecv", video: Int? = nil, codecs: String = "0",
        host: String = ManualMediaRig.phoneHost, maxptime: Int? = nil
    ) -> String {
        var sdp = "v=0\r\no=phone 42 \(version) IN IP4 \(host)\r\ns=-\r\nc=IN IP4 \(host)\r\nt=0 0\r\n"
        sdp += "m=audio \(port) \(key == nil ? "RTP/AVP" : "RTP/SAVP") \(codecs)\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtcp-mux\r\na=\(direction)\r\n"
        if let maxptime { sdp += "a=maxptime:\(maxptime)\r\n" }
        if let key { sdp += "a=crypto:1 AES_CM_128_HMAC_SHA1_80 \(key)\r\n" }
        if let video {
            sdp += "m=video \(video) RTP/AVPF 96\r\na=rtpmap:96 VP8/90000\r\na=rtcp-mux\r\na=\(direction)\r\n"
        }
        return sdp
    }

    /// The o= session ID and version, and the first a=crypto key, of a description.
    func origin(_ sdp: String) -> (id: String, version: String) {
        let fields = sdp.split(separator: "\r\n").first { $0.hasPrefix("o=") }?.split(separator: " ") ?? []
        return (fields.count > 2 ? String(fields[1]) : "", fields.count > 2 ? String(fields[2]) : "")
    }

    func key(_ sdp: String) -> String? {
        guard let line = sdp.split(separator: "\r\n").first(where: { $0.hasPrefix("a=crypto:") }) else { return nil }
        return line.split(separator: " ").dropFirst(2).first.map(String.init)
    }

    func direction(_ sdp: String) -> String? {
        sdp.split(separator: "\r\n").first { ["a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive"].contains(String($0)) }
            .map { String($0.dropFirst(2)) }
    }

    /// Sends `count` SRTP packets, one before each tick, continuing `sequence`.
    func speak(_ rig: ManualMediaRig, _ phone: MemoryDatagramPort, to port: Int, with session: SRTPSession, sequence: inout UInt16, count: Int) {
        var next = sequence
        rig.tick(count) { _ in
            var packet = rtpPacket(seq: next, ts: UInt32(next) &* 160, ssrc: 0x1234, payload: Self.silence) + [UInt8](repeating: 0, count: 16)
            let length = packet.count - 16
            if case .ok(let n) = packet.withUnsafeMutableBytes({ session.protectRTP($0, length: length) }) {
                rig.send(Array(packet[0..<n]), from: phone, to: port)
            }
            next &+= 1
        }
        sequence = next
    }

    /// The packets that decrypt with `key`, as (SSRC, sequence number).
    func decrypt(_ packets: [[UInt8]], key: String) throws -> [(ssrc: UInt32, sequence: UInt16)] {
        let session = try SRTPSession(keyMaterial: try SRTPKeyMaterial(profile: .aesCM128HMACSHA1_80, inline: key), direction: .inbound)
        var out: [(UInt32, UInt16)] = []
        for var packet in packets where packet.count > 12 && packet[1] & 0x7F == 0 {
            let length = packet.count
            if case .ok = packet.withUnsafeMutableBytes({ session.unprotectRTP($0, length: length) }) {
                let ssrc = UInt32(packet[8]) << 24 | UInt32(packet[9]) << 16 | UInt32(packet[10]) << 8 | UInt32(packet[11])
                out.append((ssrc, UInt16(packet[2]) << 8 | UInt16(packet[3])))
            }
        }
        return out
    }

    @Test("a session refresh with an unchanged SRTP offer: same o= session, version + 1, same port and key; no gap, no SSRC or sequence jump")
    func unchangedRefresh() async throws {
        let rig = try makeRig()
        let mcu = rig.mcu
        let conference = ConferenceID(tenant: "t", meeting: "refresh")
        try await mcu.addConference(conference)
        let phone = try #require(rig.phone())
        let phoneKey = try SRTPKeyMaterial.random(profile: .aesCM128HMACSHA1_80).inlineKeyParameter
        let first = try await mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID("p"), offer: offer(port: phone.port, key: phoneKey, version: 1), advertisedAddress: "127.0.0.1"))
        let port = try #require(first.media.first?.localPort)
        let sender = try SRTPSession(keyMaterial: try SRTPKeyMaterial(profile: .aesCM128HMACSHA1_80, inline: phoneKey), direction: .outbound)
        var sequence: UInt16 = 100
        speak(rig, phone, to: port, with: sender, sequence: &sequence, count: 25)
        let refreshed = try #require(try await mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: conference, endpoint: EndpointID("p"), offer: offer(port: phone.port, key: phoneKey, version: 2))))
        speak(rig, phone, to: port, with: sender, sequence: &sequence, count: 25)
        let again = try #require(try await mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: conference, endpoint: EndpointID("p"), offer: offer(port: phone.port, key: phoneKey, version: 3))))
        speak(rig, phone, to: port, with: sender, sequence: &sequence, count: 10)
        let stats = await trust.endpoint(mcu, conference, "p")
        let sent = rig.drain(phone)
        await rig.shutdown()
        let ourKey = try #require(key(first.answer))
        #expect(origin(refreshed.answer).id == origin(first.answer).id)
        #expect(Int(origin(refreshed.answer).version) == (Int(origin(first.answer).version) ?? 0) + 1)
        #expect(Int(origin(again.answer).version) == (Int(origin(first.answer).version) ?? 0) + 2)
        #expect(refreshed.media.first?.localPort == port && again.media.first?.localPort == port)
        #expect(key(refreshed.answer) == ourKey && key(again.answer) == ourKey, "our key is kept")
        #expect(stats?.drops?.authentication == 0, "every packet of the phone authenticated: \(String(describing: stats?.drops))")
        #expect((stats?.packetsReceived ?? 0) == 60)
        let received = try decrypt(sent, key: ourKey)
        #expect(received.count == 60, "one packet a tick, all decrypting with the one key throughout: \(received.count)")
        #expect(Set(received.map(\.ssrc)).count == 1, "one SSRC")
        let jumps = zip(received, received.dropFirst()).filter { $1.sequence != $0.sequence &+ 1 }
        #expect(jumps.isEmpty, "sequence numbers run on without a gap: \(jumps.prefix(3).map { ($0.sequence, $1.sequence) })")
    }

    /// A call whose phone re-keys in a re-INVITE: the rig, the port, the phone's old and new senders, our first and
    /// second answers' keys. The phone has sent 20 packets with its old key; what we sent until then is drained.
    struct Rekeyed {
        let rig: ManualMediaRig
        let conference: ConferenceID
        let phone: MemoryDatagramPort
        let port: Int
        let oldSender: SRTPSession
        let newSender: SRTPSession
        let ourOld: String
        let ourNew: String
        var sequence: UInt16
    }

    func rekeyedCall(_ meeting: String) async throws -> Rekeyed {
        let rig = try makeRig()
        let conference = ConferenceID(tenant: "t", meeting: meeting)
        try await rig.mcu.addConference(conference)
        let phone = try #require(rig.phone())
        let oldKey = try SRTPKeyMaterial.random(profile: .aesCM128HMACSHA1_80).inlineKeyParameter
        let newKey = try SRTPKeyMaterial.random(profile: .aesCM128HMACSHA1_80).inlineKeyParameter
        let first = try await rig.mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID("p"), offer: offer(port: phone.port, key: oldKey, version: 1), advertisedAddress: "127.0.0.1"))
        let port = try #require(first.media.first?.localPort)
        let oldSender = try SRTPSession(keyMaterial: try SRTPKeyMaterial(profile: .aesCM128HMACSHA1_80, inline: oldKey), direction: .outbound)
        var sequence: UInt16 = 7
        speak(rig, phone, to: port, with: oldSender, sequence: &sequence, count: 20)
        _ = rig.drain(phone)
        let second = try #require(try await rig.mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: conference, endpoint: EndpointID("p"), offer: offer(port: phone.port, key: newKey, version: 2))))
        let newSender = try SRTPSession(keyMaterial: try SRTPKeyMaterial(profile: .aesCM128HMACSHA1_80, inline: newKey), direction: .outbound)
        return Rekeyed(
            rig: rig, conference: conference, phone: phone, port: port, oldSender: oldSender, newSender: newSender,
            ourOld: try #require(key(first.answer)), ourNew: try #require(key(second.answer)), sequence: sequence)
    }

    @Test("the phone re-keys in a re-INVITE: new keys both ways; its packets in flight with the old key still count; ours keep the old key until the phone shows it has our answer")
    func rekey() async throws {
        var call = try await rekeyedCall("rekey")
        let rig = call.rig
        // The answer is on its way: the phone still sends with its old key and can decrypt only our old one.
        speak(rig, call.phone, to: call.port, with: call.oldSender, sequence: &call.sequence, count: 5)
        let beforeSwitch = rig.drain(call.phone)
        // It has our answer: it sends with its new key and decrypts ours.
        speak(rig, call.phone, to: call.port, with: call.newSender, sequence: &call.sequence, count: 20)
        let afterSwitch = rig.drain(call.phone)
        let stats = await trust.endpoint(rig.mcu, call.conference, "p")
        await rig.shutdown()
        #expect(call.ourNew != call.ourOld, "a new key of ours answers the phone's new key")
        #expect(stats?.packetsReceived == 45, "old-key packets in flight and new-key packets all count: \(String(describing: stats?.packetsReceived))")
        #expect(stats?.drops?.authentication == 0, "\(String(describing: stats?.drops))")
        #expect(try decrypt(beforeSwitch, key: call.ourOld).count == 5, "while the answer travels, the phone can decrypt all we send")
        #expect(try decrypt(afterSwitch, key: call.ourNew).count == 20, "from the phone's first new-key packet on, we use our new key")
        #expect(try decrypt(afterSwitch, key: call.ourOld).isEmpty)
    }

    @Test("our new key takes effect at the re-INVITE's ACK (answerConfirmed) when the phone sends nothing, and a second after the answer at the latest")
    func rekeyConfirmed() async throws {
        let call = try await rekeyedCall("rekey-ack")
        let rig = call.rig
        rig.tick(3)
        let beforeACK = rig.drain(call.phone)
        _ = try await rig.mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: call.conference, endpoint: EndpointID("p"), answerConfirmed: true))
        rig.tick(5)
        let afterACK = rig.drain(call.phone)
        await rig.shutdown()
        #expect(try decrypt(beforeACK, key: call.ourOld).count == 3)
        #expect(try decrypt(afterACK, key: call.ourNew).count == 5, "the ACK says the phone has our answer")

        let silent = try await rekeyedCall("rekey-silent")
        silent.rig.tick(60)  // the grace is 50 ticks (one second) from the tick of the answer
        let sent = silent.rig.drain(silent.phone)
        await silent.rig.shutdown()
        #expect(try decrypt(sent, key: silent.ourOld).count == 49)
        #expect(try decrypt(sent, key: silent.ourNew).count == 11, "no ACK, no packet: the new key after a second")
    }

    @Test("a re-INVITE with a=maxptime:10 moves the call to 10 ms packets from the next tick, and one without it back to 20 ms; sequence and timestamps run on")
    func packetTimeChange() async throws {
        let rig = try makeRig()
        let conference = ConferenceID(tenant: "t", meeting: "ptime")
        try await rig.mcu.addConference(conference)
        let phone = try #require(rig.phone())
        let first = try await rig.mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID("p"), offer: offer(port: phone.port, key: nil, version: 1), advertisedAddress: "127.0.0.1"))
        let port = try #require(first.media.first?.localPort)
        var sequence: UInt16 = 1
        func speak(_ ticks: Int) {
            rig.tick(ticks) { _ in
                rig.send(rtpPacket(seq: sequence, ts: UInt32(sequence) &* 160, ssrc: 0x1234, payload: Self.silence), from: phone, to: port)
                sequence &+= 1
            }
        }
        /// (sequence, timestamp, payload bytes) of the RTP we sent the phone.
        func received() -> [(seq: UInt16, ts: UInt32, bytes: Int)] {
            rig.drain(phone).compactMap { p in
                guard p.count > 12, p[1] & 0x7F == 0 else { return nil }
                return (UInt16(p[2]) << 8 | UInt16(p[3]), UInt32(p[4]) << 24 | UInt32(p[5]) << 16 | UInt32(p[6]) << 8 | UInt32(p[7]), p.count - 12)
            }
        }
        speak(10)
        let at20 = received()
        _ = try await rig.mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: conference, endpoint: EndpointID("p"), offer: offer(port: phone.port, key: nil, version: 2, maxptime: 10)))
        speak(10)
        let at10 = received()
        _ = try await rig.mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: conference, endpoint: EndpointID("p"), offer: offer(port: phone.port, key: nil, version: 3)))
        speak(10)
        let back = received()
        await rig.shutdown()
        #expect(at20.count == 10 && at20.allSatisfy { $0.bytes == 160 }, "20 ms PCMU: \(at20.map(\.bytes))")
        #expect(at10.count == 20 && at10.allSatisfy { $0.bytes == 80 }, "maxptime 10: two 10 ms packets a tick: \(at10.map(\.bytes))")
        #expect(back.count == 10 && back.allSatisfy { $0.bytes == 160 }, "20 ms again: \(back.map(\.bytes))")
        let all = at20 + at10 + back
        let seqJumps = zip(all, all.dropFirst()).filter { $1.seq != $0.seq &+ 1 }
        let tsJumps = zip(all, all.dropFirst()).filter { $1.ts != $0.ts &+ UInt32($0.bytes) }
        #expect(seqJumps.isEmpty, "sequence numbers run on: \(seqJumps.prefix(3).map { ($0.seq, $1.seq) })")
        #expect(tsJumps.isEmpty, "each timestamp follows the previous packet's samples: \(tsJumps.prefix(3).map { ($0.ts, $1.ts) })")
    }

    @Test("hold and resume: sendonly is answered recvonly and we stop sending; sendrecv resumes; the response says the direction")
    func holdAndResume() async throws {
        let rig = try makeRig()
        let mcu = rig.mcu
        let conference = ConferenceID(tenant: "t", meeting: "hold")
        try await mcu.addConference(conference)
        let phone = try #require(rig.phone())
        let first = try await mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID("p"), offer: offer(port: phone.port, key: nil, version: 1), advertisedAddress: "127.0.0.1"))
        let port = try #require(first.media.first?.localPort)
        rig.send(rtpPacket(seq: 1, ts: 160, ssrc: 9, payload: Self.silence), from: phone, to: port)
        rig.tick(15)
        let before = ManualMediaRig.rtp(rig.drain(phone)).count
        let held = try #require(try await mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: conference, endpoint: EndpointID("p"), offer: offer(port: phone.port, key: nil, version: 2, direction: "sendonly"))))
        rig.tick(15)
        let during = ManualMediaRig.rtp(rig.drain(phone)).count
        let resumed = try #require(try await mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: conference, endpoint: EndpointID("p"), offer: offer(port: phone.port, key: nil, version: 3))))
        rig.tick(15)
        let after = ManualMediaRig.rtp(rig.drain(phone)).count
        await rig.shutdown()
        #expect(before == 15, "one packet a tick: \(before)")
        #expect(direction(held.answer) == "recvonly" && held.media.first?.direction == "recvonly")
        #expect(during == 0, "no RTP is sent to a phone that holds: \(during)")
        #expect(direction(resumed.answer) == "sendrecv" && resumed.media.first?.direction == "sendrecv")
        #expect(after == 15, "sending resumes at the next tick: \(after)")
    }

    @Test("video accepted at the start keeps its port in a re-INVITE; a video stream added later gets ports; port 0 turns it off")
    func videoKept() async throws {
        let rig = try makeRig()
        let mcu = rig.mcu
        let conference = ConferenceID(tenant: "t", meeting: "video")
        try await mcu.addConference(conference)
        let phone = try #require(rig.phone()), phoneVideo = try #require(rig.phone())
        let first = try await mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("v"), offer: offer(port: phone.port, key: nil, version: 1, video: phoneVideo.port),
                advertisedAddress: "127.0.0.1"))
        let videoPort = try #require(first.media.first { $0.type == "video" }?.localPort)
        let second = try #require(try await mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: conference, endpoint: EndpointID("v"), offer: offer(port: phone.port, key: nil, version: 2, video: phoneVideo.port))))
        #expect(videoPort != 0)
        #expect(second.media.first { $0.type == "video" }?.localPort == videoPort, "\(second.media)")
        #expect(second.answer.contains("m=video \(videoPort) "), "\(second.answer)")
        let off = try #require(try await mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: conference, endpoint: EndpointID("v"), offer: offer(port: phone.port, key: nil, version: 3, video: 0))))
        #expect(off.answer.contains("m=video 0 "), "\(off.answer)")
        // An audio-only call that adds video.
        let other = try #require(rig.phone()), otherVideo = try #require(rig.phone())
        _ = try await mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID("a"), offer: offer(port: other.port, key: nil, version: 1), advertisedAddress: "127.0.0.1"))
        let added = try #require(try await mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: conference, endpoint: EndpointID("a"), offer: offer(port: other.port, key: nil, version: 2, video: otherVideo.port))))
        let stats = await mcu.statistics(conference)
        await rig.shutdown()
        let addedPort = added.media.first { $0.type == "video" }?.localPort ?? 0
        #expect(addedPort != 0 && added.answer.contains("m=video \(addedPort) "), "\(added.answer)")
        #expect(stats?.endpoints.count == 2)
    }

    @Test("a re-INVITE that drops the call's codec is refused (notAcceptable → 488) and changes nothing")
    func codecChangeRefused() async throws {
        let rig = try makeRig()
        let mcu = rig.mcu
        let conference = ConferenceID(tenant: "t", meeting: "codec")
        try await mcu.addConference(conference)
        let phone = try #require(rig.phone())
        _ = try await mcu.addEndpoint(
            AddEndpointRequest(conference: conference, endpoint: EndpointID("p"), offer: offer(port: phone.port, key: nil, version: 1), advertisedAddress: "127.0.0.1"))
        let refused = await #expect(throws: MCUControlError.self) {
            _ = try await mcu.modifyEndpoint(
                ModifyEndpointRequest(conference: conference, endpoint: EndpointID("p"), offer: self.offer(port: phone.port, key: nil, version: 2, codecs: "8")))
        }
        // The same codec among others is kept, not swapped for a preferred one.
        let kept = try #require(try await mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: conference, endpoint: EndpointID("p"), offer: offer(port: phone.port, key: nil, version: 3, codecs: "8 0"))))
        await rig.shutdown()
        #expect(refused?.code == .notAcceptable && refused?.reason.contains("PCMU") == true, "\(String(describing: refused))")
        #expect(kept.media.first?.codec == "PCMU")
    }

    @Test("the lobby: answered sendonly from the mode; admitted, the MCU re-offers sendrecv (same session, version + 1) and takes the phone's answer")
    func lobbyAndAdmission() async throws {
        let rig = try makeRig()
        let mcu = rig.mcu
        let conference = ConferenceID(tenant: "t", meeting: "lobby")
        try await mcu.addConference(conference)
        let phone = try #require(rig.phone())
        let phoneKey = try SRTPKeyMaterial.random(profile: .aesCM128HMACSHA1_80).inlineKeyParameter
        let first = try await mcu.addEndpoint(
            AddEndpointRequest(
                conference: conference, endpoint: EndpointID("l"), offer: offer(port: phone.port, key: phoneKey, version: 1), advertisedAddress: "127.0.0.1",
                mode: .lobby))
        #expect(direction(first.answer) == "sendonly", "\(first.answer)")
        #expect(first.media.first?.direction == "sendonly")
        let reoffer = try #require(try await mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: conference, endpoint: EndpointID("l"), mode: .conference, reoffer: true)))
        #expect(direction(reoffer.answer) == "sendrecv", "\(reoffer.answer)")
        #expect(origin(reoffer.answer).id == origin(first.answer).id)
        #expect(Int(origin(reoffer.answer).version) == (Int(origin(first.answer).version) ?? 0) + 1)
        #expect(key(reoffer.answer) == key(first.answer), "same key in our re-offer")
        // The phone answers with a new key of its own and puts us on hold in the same breath.
        let phoneNewKey = try SRTPKeyMaterial.random(profile: .aesCM128HMACSHA1_80).inlineKeyParameter
        let port = try #require(first.media.first?.localPort)
        let answer = offer(port: phone.port, key: phoneNewKey, version: 2, direction: "sendonly")
        let applied = try #require(try await mcu.modifyEndpoint(
            ModifyEndpointRequest(conference: conference, endpoint: EndpointID("l"), answer: answer)))
        let sender = try SRTPSession(keyMaterial: try SRTPKeyMaterial(profile: .aesCM128HMACSHA1_80, inline: phoneNewKey), direction: .outbound)
        var sequence: UInt16 = 1
        speak(rig, phone, to: port, with: sender, sequence: &sequence, count: 10)
        let stats = await trust.endpoint(mcu, conference, "l")
        let second = await #expect(throws: MCUControlError.self) {
            _ = try await mcu.modifyEndpoint(ModifyEndpointRequest(conference: conference, endpoint: EndpointID("l"), answer: answer))
        }
        let sent = ManualMediaRig.rtp(rig.drain(phone))
        await rig.shutdown()
        #expect(applied.media.first?.direction == "recvonly", "the phone's sendonly answer: we only receive")
        #expect(stats?.packetsReceived == 10 && stats?.drops?.authentication == 0, "the phone's new key from its answer is installed")
        #expect(stats?.mode == .conference)
        #expect(sent.isEmpty, "the phone holds: no RTP is sent to it (\(sent.count) packets)")
        #expect(second?.code == .notAcceptable, "a second answer to the same offer is refused")
    }
}
