import MCUControl
import SDP
import SRTP

extension SDPNegotiatedMedia {
    /// The SRTP sessions of this stream from the keys its answer line carries: the peer's key inbound, the key we put
    /// in the answer for this very m-line outbound. Nil sessions for plain RTP.
    func srtpSessions() throws(MCUControlError) -> (inbound: SRTPSession?, outbound: SRTPSession?) {
        guard let suite = cryptoSuite, let profile = SRTPProfile(rawValue: suite) else { return (nil, nil) }
        guard let remoteKey = remoteKeyParameters, let localKey = localKeyParameters else {
            throw MCUControlError(.notAcceptable, "no SRTP key for the \(type) stream (\(suite))")
        }
        do {
            let inbound = try SRTPSession(keyMaterial: try SRTPKeyMaterial(profile: profile, inline: remoteKey), direction: .inbound)
            let outbound = try SRTPSession(keyMaterial: try SRTPKeyMaterial(profile: profile, inline: localKey), direction: .outbound)
            return (inbound, outbound)
        } catch {
            throw MCUControlError(.notAcceptable, "\(type) SRTP keys refused: \(error)")
        }
    }

    /// Where this stream's RTP and RTCP go until a source is learned (``MediaSourceGuard``) (RFC 3605 a=rtcp,
    /// else RTP port + 1; the RTP address itself with rtcp-mux).
    var remoteAddresses: (rtp: MediaAddress?, rtcp: MediaAddress?) {
        let rtp = remoteAddress.flatMap { MediaAddress(host: $0, port: remotePort ?? 0) }
        if rtcpMux { return (rtp, rtp) }
        let rtcp = remoteAddress.flatMap {
            MediaAddress(host: remoteRTCPAddress ?? $0, port: remoteRTCPPort ?? ((remotePort ?? 0) + 1))
        }
        return (rtp, rtcp)
    }
}
