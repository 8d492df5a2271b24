import SDP
import SIPWire
import SRTP

/// Whether Consort could answer an INVITE's SDP offer: the reason for a 488 when it could not (RFC 3261 §13.3.1.3:
/// 488 with a Warning saying why), nil when the offer is usable or the INVITE carries none.
enum OfferCheck {
    static func problem(with request: SIPRequest) -> String? {
        guard !request.body.isEmpty, (request.contentType ?? "application/sdp") == "application/sdp" else { return nil }
        do {
            let offer = try SessionDescription(parsing: request.body)
            let policy = SDPAnswerPolicy(address: "127.0.0.1", sessionID: 1)
            _ = try SDPOfferAnswer.answer(
                offer: offer, policy: policy, localMedia: { _, _ in SDPLocalMedia(port: 9) },
                makeKey: { suite in
                    SRTPProfile(rawValue: suite).flatMap { try? SRTPKeyMaterial.random(profile: $0).inlineKeyParameter }
                })
            return nil
        } catch {
            return error.reason
        }
    }
}
