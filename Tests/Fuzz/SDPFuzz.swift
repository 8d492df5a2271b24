// libFuzzer entry for the SDP target: parse (bytes and text), serialise-then-parse round trips,
// every typed accessor, the RFC 3264 answer builder with a fixed policy, and reading the input as an
// answer to Consort's own offer. Not a SwiftPM target; built with swiftc together with Sources/SDP
// (see Tests/Fuzz/README.md).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let fromText = try? SessionDescription(parsing: String(decoding: bytes, as: UTF8.self))
    guard let description = try? SessionDescription(parsing: bytes) else { return 0 }
    check(fromText == description)
    check(description.media.count <= SessionDescription.Limits.maximumMedia)

    // parse(serialize(x)) == x, and serialising is stable.
    let text = description.serialized
    guard let again = try? SessionDescription(parsing: text) else {
        check(false)
        return 0
    }
    check(again == description)
    check(again.serialized == text)
    check(description.serializedBytes.count == text.utf8.count)

    for media in description.media { visit(media, in: description) }

    let policy = SDPAnswerPolicy(address: "192.0.2.10", sessionID: 42, sessionVersion: 1)
    var nextPort = 40000
    if let answer = try? SDPOfferAnswer.answer(
        offer: description, policy: policy,
        localMedia: { index, _ in
            nextPort += 2
            return index == 3 ? nil : SDPLocalMedia(port: nextPort, ssrc: 1234, cname: "fuzz")
        },
        makeKey: { suite in suite == "AES_CM_128_HMAC_SHA1_32" ? nil : "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz" })
    {
        check(answer.media.count == description.media.count)
        check(answer.description.media.count == description.media.count)
        check(answer.media.contains(where: \.accepted))
        for (offered, (answered, agreed)) in zip(description.media, zip(answer.description.media, answer.media)) {
            check(answered.type == offered.type && answered.proto == offered.proto)
            check(agreed.accepted == (answered.port != 0))
            if !agreed.accepted { check(agreed.rejectionReason != nil && answered.formats == offered.formats) }
            if let payloadType = agreed.payloadType { check(offered.formats.contains(String(payloadType))) }
        }
        let reparsed = try? SessionDescription(parsing: answer.description.serialized)
        check(reparsed == answer.description)
        // Reading our own answer as the answer to the offer must accept what was accepted.
        if let agreed = try? SDPOfferAnswer.negotiate(localOffer: description, remoteAnswer: answer.description) {
            check(agreed.count == answer.media.count)
        }
    }

    let offer = SDPOfferAnswer.offer(
        policy: policy,
        options: SDPOfferOptions(
            audio: SDPLocalMedia(port: 40000), video: SDPLocalMedia(port: 40002),
            srtpKeys: [SDPOfferKey(suite: "AEAD_AES_128_GCM", keyParameters: "inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]))
    _ = try? SDPOfferAnswer.negotiate(localOffer: offer, remoteAnswer: description)
    return 0
}

private func visit(_ media: MediaDescription, in description: SessionDescription) {
    _ = description.direction(of: media)
    _ = description.connection(of: media)
    _ = description.isDTLS(media)
    _ = media.isRTP
    for map in media.rtpMaps {
        check((0...127).contains(map.payloadType) && map.clockRate > 0)
        check((try? SDPRTPMap(parsing: map.attributeValue)) == map)
    }
    for payloadType in media.payloadTypes + [-1, 0, 127, 128, Int.max] {
        _ = media.rtpMap(payloadType)
        _ = media.formatParameters(payloadType)
        _ = media.fmtpParameters(payloadType)
    }
    _ = media.direction
    _ = media.ptime
    _ = media.maxptime
    if let rtcp = media.rtcp { check((0...65535).contains(rtcp.port)) }
    _ = media.rtcpMux
    for feedback in media.rtcpFeedback { check((try? SDPRTCPFeedback(parsing: feedback.attributeValue)) == feedback) }
    for map in media.extensionMaps {
        check((1...255).contains(map.id))
        check((try? SDPExtensionMap(parsing: map.attributeValue)) == map)
    }
    for crypto in media.cryptos { check((try? SDPCrypto(parsing: crypto.attributeValue)) == crypto) }
    for ssrc in media.ssrcs { check((try? SDPSSRC(parsing: ssrc.attributeValue)) == ssrc) }
    _ = media.mid
    _ = media.isDTLS
    check((0...65535).contains(media.port))
}

// A failed invariant is a finding: crash so libFuzzer saves the input.
private func check(_ condition: Bool, line: UInt = #line) {
    if !condition { fatalError("SDP fuzz invariant failed at line \(line)") }
}
