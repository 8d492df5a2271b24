/// Codec choice for one offered m= line (RFC 3264 §6.1): the answer keeps the offerer's payload type
/// numbers and lists one codec (plus telephone-event for audio), so the MCU never switches codecs mid-call.
struct SDPCodecChoice {
    /// The chosen codec, with the offerer's payload type.
    var codec: SDPRTPMap
    /// The offerer's fmtp for it, as text.
    var remoteFormatParameters: String?
    /// The fmtp we answer with.
    var localFormatParameters: String?
    /// telephone-event (RFC 4733) and its fmtp, echoed.
    var telephoneEvent: SDPRTPMap?
    var telephoneEventFormatParameters: String?
    /// RTCP feedback agreed for the codec (video over AVPF only).
    var feedback: [SDPRTCPFeedback] = []

    static let acceptedAudio = "opus/48000/2, PCMU/8000, PCMA/8000"
    static let acceptedVideo = "VP8/90000, H264/90000 with packetization-mode=1"

    /// Opus preferred, then the first of PCMU/PCMA in the offerer's order; telephone-event at the codec's clock rate if offered.
    static func audio(_ media: MediaDescription, opus policy: SDPOpusPolicy) -> Result<SDPCodecChoice, SDPNegotiationFailure> {
        let offered = media.payloadTypes.compactMap { media.rtpMap($0) }
        let opus = offered.first {
            $0.encodingName.lowercased() == "opus" && $0.clockRate == 48000 && ($0.channels == 2 || $0.channels == nil)
        }
        let g711 = offered.first {
            let name = $0.encodingName.uppercased()
            return (name == "PCMU" || name == "PCMA") && $0.clockRate == 8000 && ($0.channels ?? 1) == 1
        }
        guard let codec = opus ?? g711 else {
            return .failure(SDPNegotiationFailure("no usable audio codec: \(offeredList(media)); Consort accepts \(acceptedAudio)"))
        }
        var choice = SDPCodecChoice(codec: codec, remoteFormatParameters: media.formatParameters(codec.payloadType))
        if codec.encodingName.lowercased() == "opus" { choice.localFormatParameters = policy.formatParameters }
        let events = offered.filter { $0.encodingName.lowercased() == "telephone-event" }
        if let event = events.first(where: { $0.clockRate == codec.clockRate }) ?? events.first {
            choice.telephoneEvent = event
            choice.telephoneEventFormatParameters = media.formatParameters(event.payloadType).flatMap { $0.isEmpty ? nil : $0 }
        }
        return .success(choice)
    }

    /// VP8 preferred, then the first H.264 with packetization-mode=1 (profile-level-id echoed).
    /// Feedback: nack, nack pli and ccm fir when offered for the codec and the proto is AVPF.
    static func video(_ media: MediaDescription) -> Result<SDPCodecChoice, SDPNegotiationFailure> {
        let offered = media.payloadTypes.compactMap { media.rtpMap($0) }
        let vp8 = offered.first { $0.encodingName.uppercased() == "VP8" && $0.clockRate == 90000 }
        let h264 = offered.first {
            $0.encodingName.uppercased() == "H264" && $0.clockRate == 90000
                && media.fmtpParameters($0.payloadType)["packetization-mode"] == "1"
        }
        guard let codec = vp8 ?? h264 else {
            return .failure(SDPNegotiationFailure("no usable video codec: \(offeredList(media)); Consort accepts \(acceptedVideo)"))
        }
        var choice = SDPCodecChoice(codec: codec, remoteFormatParameters: media.formatParameters(codec.payloadType))
        if codec.encodingName.uppercased() == "H264" {
            let remote = media.fmtpParameters(codec.payloadType)
            var parts: [String] = []
            if let profile = remote["profile-level-id"] { parts.append("profile-level-id=\(profile)") }
            if remote["level-asymmetry-allowed"] == "1" { parts.append("level-asymmetry-allowed=1") }
            parts.append("packetization-mode=1")
            choice.localFormatParameters = parts.joined(separator: ";")
        }
        if media.proto.hasSuffix("AVPF") {
            let wanted: [(String, String?)] = [("nack", nil), ("nack", "pli"), ("ccm", "fir")]
            let offeredFeedback = media.rtcpFeedback.filter { $0.applies(to: codec.payloadType) }
            for (type, parameter) in wanted
            where offeredFeedback.contains(where: { $0.type.lowercased() == type && $0.parameter?.lowercased() == parameter }) {
                choice.feedback.append(SDPRTCPFeedback(payloadType: codec.payloadType, type: type, parameter: parameter))
            }
        }
        return .success(choice)
    }

    /// "offered G722/8000, iLBC/8000" (codecs only; telephone-event and comfort noise are left out when there is more).
    static func offeredList(_ media: MediaDescription) -> String {
        var names: [String] = []
        for payloadType in media.payloadTypes {
            guard let map = media.rtpMap(payloadType) else {
                names.append("payload type \(payloadType) without rtpmap")
                continue
            }
            var name = map.codecDescription
            if map.encodingName.uppercased() == "H264", let mode = media.fmtpParameters(payloadType)["packetization-mode"] {
                name += " (packetization-mode=\(mode))"
            } else if map.encodingName.uppercased() == "H264" {
                name += " (packetization-mode=0)"
            }
            if !names.contains(name) { names.append(name) }
        }
        let auxiliary: Set<String> = ["telephone-event", "cn", "red", "rtx", "ulpfec", "flexfec-03"]
        let codecs = names.filter { !auxiliary.contains(String($0.prefix { $0 != "/" }).lowercased()) }
        let shown = codecs.isEmpty ? names : codecs
        guard !shown.isEmpty else { return "offered no codec" }
        let clipped = shown.prefix(8).joined(separator: ", ") + (shown.count > 8 ? ", …" : "")
        return (codecs.isEmpty ? "offered only " : "offered ") + clipped
    }
}

/// Why one m= line cannot be accepted.
struct SDPNegotiationFailure: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
