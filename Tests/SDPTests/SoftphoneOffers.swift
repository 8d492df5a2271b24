/// Offers as common SIP clients send them, written out by hand from their typical form, plus the
/// RFC 3264 §10 examples. The fuzz seeds in Tests/Fuzz/Seeds/sdp are these bodies.
enum SoftphoneOffers {
    /// baresip 3.x: Opus, G.722, G.711, telephone-event, rtcp-mux, ssrc cname.
    static let baresip = """
        v=0
        o=- 1227283475 1698271733 IN IP4 192.168.1.20
        s=-
        c=IN IP4 192.168.1.20
        t=0 0
        m=audio 20388 RTP/AVP 96 9 0 8 101
        b=AS:128
        a=rtpmap:96 opus/48000/2
        a=fmtp:96 stereo=1;sprop-stereo=1
        a=rtpmap:9 G722/8000
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-15
        a=sendrecv
        a=label:1
        a=rtcp-mux
        a=ssrc:1476387546 cname:sip:alice@example.com
        a=ptime:20

        """

    /// Linphone 5: many audio codecs, three telephone-event rates, session-level attributes, video over RTP/AVP with rtcp-fb.
    static let linphone = """
        v=0
        o=bob 3019 1460 IN IP4 192.168.0.12
        s=Talk
        c=IN IP4 192.168.0.12
        t=0 0
        a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics
        a=record:off
        m=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100
        a=rtpmap:96 opus/48000/2
        a=fmtp:96 useinbandfec=1
        a=rtpmap:97 speex/16000
        a=fmtp:97 vbr=on
        a=rtpmap:98 speex/8000
        a=fmtp:98 vbr=on
        a=fmtp:18 annexb=yes
        a=rtpmap:101 telephone-event/48000
        a=rtpmap:99 telephone-event/16000
        a=rtpmap:100 telephone-event/8000
        a=rtcp-fb:* trr-int 1000
        a=rtcp-fb:* ccm tmmbr
        m=video 9078 RTP/AVP 96 97
        a=rtpmap:96 VP8/90000
        a=rtpmap:97 H264/90000
        a=fmtp:97 profile-level-id=42801F
        a=rtcp-fb:* trr-int 1000
        a=rtcp-fb:* ccm tmmbr
        a=rtcp-fb:96 nack pli
        a=rtcp-fb:96 nack sli
        a=rtcp-fb:96 ack rpsi
        a=rtcp-fb:96 ccm fir

        """

    /// A browser-style RTP/SAVPF offer with SDES keys (JsSIP/SIP.js on an SDES gateway): ICE, BUNDLE group, extmaps, rtcp.
    static let webRTCWithCrypto = """
        v=0
        o=- 4611731400430051336 2 IN IP4 127.0.0.1
        s=-
        t=0 0
        a=group:BUNDLE audio
        a=msid-semantic: WMS stream
        m=audio 49203 RTP/SAVPF 111 103 9 0 8 126
        c=IN IP4 203.0.113.7
        a=rtcp:49204 IN IP4 203.0.113.7
        a=candidate:1467250027 1 udp 2122260223 203.0.113.7 49203 typ host generation 0
        a=ice-ufrag:Oyef7uvBlwafI3hT
        a=ice-pwd:T0teqPLNQQOf+5W+ls+P2p16
        a=mid:audio
        a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
        a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
        a=sendrecv
        a=rtcp-mux
        a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^31
        a=rtpmap:111 opus/48000/2
        a=rtcp-fb:111 transport-cc
        a=fmtp:111 minptime=10;useinbandfec=1
        a=rtpmap:103 ISAC/16000
        a=rtpmap:9 G722/8000
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:126 telephone-event/8000
        a=maxptime:60
        a=ssrc:3735928559 cname:4TOk42mSjXCkVIa6
        a=ssrc:3735928559 msid:stream audio0

        """

    /// A Cisco gateway: PCMU only, telephone-event, ptime 20, media-level c= repeating the session's.
    static let ciscoPCMUOnly = """
        v=0
        o=CiscoSystemsSIP-GW-UserAgent 4083 3621 IN IP4 10.1.1.5
        s=SIP Call
        c=IN IP4 10.1.1.5
        t=0 0
        m=audio 17148 RTP/AVP 0 101
        c=IN IP4 10.1.1.5
        a=rtpmap:0 PCMU/8000
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-15
        a=ptime:20

        """

    /// A Polycom desk phone: G.722 first, then G.711 (PCMU before PCMA), G.729, telephone-event.
    static let polycom = """
        v=0
        o=- 1700000000 1700000000 IN IP4 10.2.0.44
        s=Polycom IP Phone
        c=IN IP4 10.2.0.44
        t=0 0
        m=audio 2222 RTP/AVP 9 0 8 18 127
        a=rtpmap:9 G722/8000
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:18 G729/8000
        a=fmtp:18 annexb=no
        a=rtpmap:127 telephone-event/8000
        a=sendrecv

        """

    /// Audio plus video with VP8 and two H.264 payload types (mode 0 and mode 1) over RTP/AVPF.
    static let audioVideoAVPF = """
        v=0
        o=carol 8765 1 IN IP4 198.51.100.20
        s=-
        c=IN IP4 198.51.100.20
        t=0 0
        m=audio 30000 RTP/AVPF 111 0 101
        a=rtpmap:111 opus/48000/2
        a=fmtp:111 useinbandfec=1;maxaveragebitrate=24000
        a=rtpmap:0 PCMU/8000
        a=rtpmap:101 telephone-event/48000
        a=fmtp:101 0-16
        a=extmap:2/sendrecv urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=on
        m=video 30002 RTP/AVPF 100 97 96
        b=AS:1500
        a=rtpmap:100 H264/90000
        a=fmtp:100 profile-level-id=42e01f;packetization-mode=0
        a=rtpmap:97 H264/90000
        a=fmtp:97 profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1
        a=rtpmap:96 VP8/90000
        a=rtcp-fb:* nack
        a=rtcp-fb:96 nack pli
        a=rtcp-fb:96 goog-remb
        a=rtcp-fb:97 nack pli
        a=rtcp-fb:97 ccm fir
        a=rtcp-fb:96 ccm fir

        """

    /// Video offered with H.264 only (a desk video phone), over RTP/AVP.
    static let h264OnlyAVP = """
        v=0
        o=- 5 5 IN IP4 198.51.100.30
        s=-
        c=IN IP4 198.51.100.30
        t=0 0
        m=audio 5004 RTP/AVP 8
        m=video 5006 RTP/AVP 109
        a=rtpmap:109 H264/90000
        a=fmtp:109 profile-level-id=428016; packetization-mode=1
        a=rtcp-fb:109 nack pli

        """

    /// Only G.722 (an old wideband phone).
    static let g722Only = """
        v=0
        o=- 77 77 IN IP4 10.3.3.3
        s=-
        c=IN IP4 10.3.3.3
        t=0 0
        m=audio 6000 RTP/AVP 9 101
        a=rtpmap:9 G722/8000
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-15

        """

    /// A WebRTC browser with DTLS-SRTP only: UDP/TLS/RTP/SAVPF, fingerprint, setup, no a=crypto.
    static let dtlsOnly = """
        v=0
        o=mozilla...THIS_IS_SDPARTA-99.0 6789012345678901234 0 IN IP4 0.0.0.0
        s=-
        t=0 0
        a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:E1:AB:45:7D:A0:9E:4C:FF:5B:9F:4F:2D
        a=group:BUNDLE 0
        a=ice-options:trickle
        a=msid-semantic:WMS *
        m=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101
        c=IN IP4 0.0.0.0
        a=sendrecv
        a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
        a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1
        a=fmtp:101 0-15
        a=ice-pwd:0b6a2bd4b5ee9fa6f1ca4e6f1a9c5f29
        a=ice-ufrag:b7d0ab0c
        a=mid:0
        a=rtcp-mux
        a=rtpmap:109 opus/48000/2
        a=rtpmap:9 G722/8000/1
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:101 telephone-event/8000/1
        a=setup:actpass

        """

    /// RTP/SAVP with two crypto suites, AES_CM_128_HMAC_SHA1_80 first and AEAD_AES_256_GCM second.
    static let savpTwoSuites = """
        v=0
        o=- 9 9 IN IP4 192.0.2.55
        s=-
        c=IN IP4 192.0.2.55
        t=0 0
        m=audio 16000 RTP/SAVP 0 8 101
        a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:32
        a=crypto:2 AEAD_AES_256_GCM inline:VGhpcyBpcyBub3QgYSByZWFsIGtleSBqdXN0IGEgdGVzdCBrZXkh
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-16
        a=rtcp:16001

        """

    /// A re-INVITE putting the call on hold with a=sendonly (RFC 3264 §8.4).
    static let holdSendonly = """
        v=0
        o=- 1227283475 1698271734 IN IP4 192.168.1.20
        s=-
        c=IN IP4 192.168.1.20
        t=0 0
        m=audio 20388 RTP/AVP 0
        a=sendonly

        """

    /// Hold with a=inactive at session level.
    static let holdInactive = """
        v=0
        o=- 1227283475 1698271735 IN IP4 192.168.1.20
        s=-
        c=IN IP4 192.168.1.20
        t=0 0
        a=inactive
        m=audio 20388 RTP/AVP 0 8

        """

    /// Old-style hold (RFC 2543): c=0.0.0.0 and no direction attribute.
    static let holdZeroAddress = """
        v=0
        o=- 1227283475 1698271736 IN IP4 192.168.1.20
        s=-
        c=IN IP4 0.0.0.0
        t=0 0
        m=audio 20388 RTP/AVP 0

        """

    /// RFC 3264 §10.1: audio PCMU/PCMA/iLBC and video H.261/MPV from host.atlanta.example.com.
    static let rfc3264Section10_1 = """
        v=0
        o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com
        s=
        c=IN IP4 host.atlanta.example.com
        t=0 0
        m=audio 49170 RTP/AVP 0 8 97
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:97 iLBC/8000
        m=video 51372 RTP/AVP 31 32
        a=rtpmap:31 H261/90000
        a=rtpmap:32 MPV/90000

        """

    /// RFC 3264 §10.2: audio, video and a whiteboard application over udp.
    static let rfc3264Section10_2 = """
        v=0
        o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com
        s=
        c=IN IP4 host.atlanta.example.com
        t=0 0
        m=audio 49170 RTP/AVP 0
        a=rtpmap:0 PCMU/8000
        m=video 51372 RTP/AVP 31
        a=rtpmap:31 H261/90000
        m=application 32416 udp wb
        a=orient:portrait

        """

    /// Every offer above, by name.
    static let all: [(String, String)] = [
        ("baresip", baresip), ("linphone", linphone), ("webrtc-crypto", webRTCWithCrypto), ("cisco-pcmu", ciscoPCMUOnly),
        ("polycom", polycom), ("audio-video-avpf", audioVideoAVPF), ("h264-only-avp", h264OnlyAVP), ("g722-only", g722Only),
        ("dtls-only", dtlsOnly), ("savp-two-suites", savpTwoSuites), ("hold-sendonly", holdSendonly),
        ("hold-inactive", holdInactive), ("hold-zero-address", holdZeroAddress), ("rfc3264-10-1", rfc3264Section10_1),
        ("rfc3264-10-2", rfc3264Section10_2),
    ]

    /// The body with CRLF line endings, as it arrives in a SIP message.
    static func crlf(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
    }
}
