/// DTMF digits as RFC 4733 telephone events.
///
///      0                   1                   2                   3
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |     event     |E|R| volume    |          duration             |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///
/// One key press is one event: every packet of it carries the same RTP timestamp (§2.5.1.2), and its last packet, with
/// the E bit, is sent three times (§2.5.1.4). A digit is reported once, when its event ends: at the first E packet, or —
/// when every E packet was lost — when the next event starts or after half a second with no packet of it.
import MCUControl

/// The event in progress on one endpoint.
struct DTMFEventState {
    /// Ticks without a packet after which an event whose end was lost counts as ended (500 ms).
    static let silenceTicks: UInt64 = 25
    /// The RTP timestamp that identifies the event.
    var timestamp: UInt32?
    var digit: Character = "0"
    /// Whether it has been reported (its end arrived, or was presumed).
    var reported = true
    var lastPacketTick: UInt64 = 0

    var isUnreported: Bool { !reported }

    /// The digit of an RFC 4733 §3.2 DTMF event code (0-9, *, #, A-D); nil for other events.
    static func digit(of event: UInt8) -> Character? {
        switch event {
        case 0...9: Character(Unicode.Scalar(UInt8(48) + event))
        case 10: "*"
        case 11: "#"
        case 12...15: Character(Unicode.Scalar(UInt8(65) + event - 12))
        default: nil
        }
    }
}

extension MediaEndpoint {
    /// One telephone-event packet.
    func handleDTMF(_ payload: UnsafeRawBufferPointer, timestamp: UInt32, tick: UInt64) {
        guard payload.count >= 4, let digit = DTMFEventState.digit(of: payload[0]) else { return }
        let end = payload[1] & 0x80 != 0
        if dtmf.timestamp != timestamp {
            if dtmf.isUnreported { reportDTMF() }  // the previous event's end was lost
            dtmf.timestamp = timestamp
            dtmf.digit = digit
            dtmf.reported = false
        } else if dtmf.reported {
            return  // a retransmitted end (or a late packet) of an event already reported
        }
        dtmf.lastPacketTick = tick
        if end { reportDTMF() }
    }

    /// Ends an event whose E packets never came.
    func finishDTMFIfSilent(tick: UInt64) {
        if tick &- dtmf.lastPacketTick > DTMFEventState.silenceTicks { reportDTMF() }
    }

    /// Reports the event in progress once: to the focus, and to the self-mute sequence of a conference endpoint.
    private func reportDTMF() {
        guard dtmf.isUnreported else { return }
        dtmf.reported = true
        let digit = dtmf.digit
        counters.dtmfEvents &+= 1
        events?.dtmf(digit)
        guard mode == .conference, !selfMuteSequence.isEmpty else { return }
        if typed.count == selfMuteSequence.count { typed.removeFirst() }
        typed.append(digit)
        if typed == selfMuteSequence {
            // Only the participant's own mute: the focus's mute stays until the focus lifts it.
            participant.isSelfMuted.toggle()
            typed.removeAll(keepingCapacity: true)
            events?.selfMute(participant.isSelfMuted)
        }
    }
}
