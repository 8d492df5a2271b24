import MCUControl
import NIOCore
import SDP
import SRTP

/// A dial-out endpoint between the MCU's offer and the remote answer (RFC 3264 §5): its sockets are bound and its keys
/// made, but it is not in the conference — nothing is read from its sockets and nothing is sent until the answer.
struct DialOutOffer: Sendable {
    /// The offer as sent, to read the answer against.
    var offer: SessionDescription
    var offerText: String
    /// The socket pair of each offered m= line, by index.
    var sockets: [Int: (any DatagramPort, any DatagramPort)]
    var settings: EndpointSettings

    /// The RTP ports to give back.
    var ports: [Int] { sockets.values.map { $0.0.port } }
}

extension EmbeddedMCU {
    /// `addEndpoint` without an offer: binds ports, makes the MCU's offer (Opus, PCMU, PCMA, telephone-event; SDES keys
    /// unless plain RTP is allowed; video when allowed) and keeps it until the answer arrives.
    func offerDialOut(_ request: AddEndpointRequest, in conference: MediaConference) async throws(MCUControlError)
        -> AddEndpointResponse
    {
        let (audioPort, audioPair) = try bindPortPair(tenant: request.conference.tenant)
        var sockets = [0: audioPair]
        // Video is offered when allowed and ports remain; without ports the call goes on audio only.
        let video = request.policy.allowVideo ? try? bindPortPair(tenant: request.conference.tenant) : nil
        if let (_, pair) = video { sockets[1] = pair }
        func releaseAll() { for (_, pair) in sockets { ports.release(pair.0.port) } }

        let secure = !request.policy.allowPlainRTP
        let policy = SDPAnswerPolicy(
            address: request.advertisedAddress, allowVideo: request.policy.allowVideo, allowPlainRTP: request.policy.allowPlainRTP,
            opus: opusPolicy, sessionID: UInt64.random(in: 1...UInt64(Int64.max)))
        var description: SessionDescription
        do throws(MCUControlError) {
            description = SDPOfferAnswer.offer(
                policy: policy,
                options: SDPOfferOptions(
                    audio: SDPLocalMedia(port: audioPort), video: video.map { SDPLocalMedia(port: $0.0) },
                    srtpKeys: secure ? try Self.offerKeys() : []))
            // A fresh key per m= line, as in our answers: the video line gets keys of its own.
            if secure, description.media.count > 1 {
                let keys = try Self.offerKeys()
                var section = description.media[1]
                section.attributes = section.attributes.map { attribute in
                    guard attribute.name == "crypto", let crypto = try? SDPCrypto(parsing: attribute.value ?? ""),
                        let fresh = keys.first(where: { $0.suite == crypto.suite })
                    else { return attribute }
                    return SDPAttribute(
                        name: "crypto", value: SDPCrypto(tag: crypto.tag, suite: crypto.suite, keyParameters: fresh.keyParameters).attributeValue)
                }
                description.media[1] = section
            }
        } catch {
            releaseAll()
            throw error
        }
        let text = description.serialized
        let pending = DialOutOffer(offer: description, offerText: text, sockets: sockets, settings: EndpointSettings(request))
        let stored: Void? = try? await conference.eventLoop.submit { conference.dialOuts[request.endpoint] = pending }.get()
        guard stored != nil else {
            releaseAll()
            throw MCUControlError(.failed, "conference \(request.conference) is shutting down")
        }
        logger.info(
            "dial-out offer made",
            metadata: ["conference": "\(request.conference)", "endpoint": "\(request.endpoint)", "port": "\(audioPort)", "srtp": "\(secure)"])
        var media = [EndpointMedia(type: "audio", accepted: true, localPort: audioPort)]
        if let (videoPort, _) = video { media.append(EndpointMedia(type: "video", accepted: true, localPort: videoPort)) }
        return AddEndpointResponse(answer: text, media: media)
    }

    /// One SDES key per suite Consort accepts, strongest first (RFC 4568 §6.1: the answerer picks one by tag).
    private static func offerKeys() throws(MCUControlError) -> [SDPOfferKey] {
        var keys: [SDPOfferKey] = []
        for suite in SDPAnswerPolicy.defaultCryptoSuites {
            guard let profile = SRTPProfile(rawValue: suite) else { continue }
            do {
                keys.append(SDPOfferKey(suite: suite, keyParameters: try SRTPKeyMaterial.random(profile: profile).inlineKeyParameter))
            } catch {
                throw MCUControlError(.failed, "cannot make an SRTP key for \(suite): \(error)")
            }
        }
        return keys
    }

    /// `modifyEndpoint` with the remote answer to a dial-out offer: reads it against the offer (RFC 3264 §6), then starts
    /// media exactly as for an answered offer. An answer that cannot be used leaves the offer waiting (and its ports
    /// held until `removeEndpoint`).
    func applyDialOutAnswer(
        _ answerText: String, for endpoint: EndpointID, in conference: MediaConference, signallingSource: String? = nil
    ) async throws(MCUControlError) -> AddEndpointResponse {
        let answer: SessionDescription
        do {
            answer = try SessionDescription(parsing: answerText)
        } catch {
            throw MCUControlError(.notAcceptable, error.reason)
        }
        let waiting: DialOutOffer?? = try? await conference.eventLoop.submit { conference.dialOuts[endpoint] }.get()
        guard let pending = waiting ?? nil else {
            throw MCUControlError(.notAcceptable, "endpoint \(endpoint) is not waiting for an answer to an MCU offer")
        }
        let negotiated: [SDPNegotiatedMedia]
        do {
            negotiated = try SDPOfferAnswer.negotiate(localOffer: pending.offer, remoteAnswer: answer)
        } catch {
            throw MCUControlError(.notAcceptable, error.reason)
        }
        // Taken on the loop, so a second answer to the same offer finds nothing; settings changed meanwhile come along.
        let taken: DialOutOffer?? = try? await conference.eventLoop.submit { conference.dialOuts.removeValue(forKey: endpoint) }.get()
        guard let current = taken ?? nil else {
            throw MCUControlError(.notAcceptable, "endpoint \(endpoint) is not waiting for an answer to an MCU offer")
        }
        var settings = current.settings
        if let ip = signallingSource.flatMap({ MediaAddress(host: $0, port: 0)?.ip }) { settings.signallingIP = ip }
        let address = current.offer.connection?.address ?? current.offer.origin.address
        settings.negotiation = EndpointNegotiation(local: current.offer, negotiated: negotiated, address: address, policy: current.settings.policy)
        let media = try await start(negotiated, sockets: current.sockets, in: conference, settings: settings)
        return AddEndpointResponse(answer: current.offerText, media: media)
    }
}
