import RTPWire
import SRTP

/// Voice-activated video switching for one conference (the reference architecture's A/V MCU, DESIGN.md): everyone
/// sees the current active speaker, the active speaker sees the previous one; an organizer can pin a source. A switch
/// asks the new source for a keyframe (PLI, or FIR where only that was negotiated) and takes effect at the keyframe;
/// receivers' own PLI/FIR go to their current source, throttled. No allocation per packet.
struct VideoRouter {
    var speaker: EndpointKey?
    var previousSpeaker: EndpointKey?
    var pinned: EndpointKey?
    /// Keyframe requests to one source at most every this many ticks (500 ms).
    static let requestInterval: UInt64 = 25

    /// Follows the loudest mixer speaker that sends video.
    mutating func update(loudest: EndpointKey?) {
        guard let loudest, loudest != speaker else { return }
        previousSpeaker = speaker
        speaker = loudest
    }

    /// The source `receiver` should see; a pin is skipped while the pinned endpoint is isolated.
    func desiredSource(for receiver: EndpointKey, fallback: EndpointKey?, pinUsable: Bool = true) -> EndpointKey? {
        if pinUsable, let pinned, pinned != receiver { return pinned }
        if let speaker, speaker != receiver { return speaker }
        if let previousSpeaker, previousSpeaker != receiver { return previousSpeaker }
        return fallback
    }
}

extension MediaConference {
    /// One video pass of the tick: choose sources, read video and forward it, forward keyframe requests.
    func routeVideo(now: UInt64, tick: UInt64) {
        guard endpoints.contains(where: { $0.video != nil }) else { return }
        // The loudest current speaker that sends video.
        var loudest: MediaEndpoint?
        for e in endpoints where e.participant.isSpeaker && e.video?.sends == true {
            if loudest == nil || e.participant.level < (loudest?.participant.level ?? 127) { loudest = e }
        }
        videoRouter.update(loudest: loudest?.key)
        // Before anyone has spoken, everyone sees the most recent other sender: the two most recent, so the most recent
        // one sees the other. Isolated endpoints (lobby, PIN entry) are neither shown nor shown anything.
        var recent: (first: MediaEndpoint?, second: MediaEndpoint?) = (nil, nil)
        for e in endpoints where e.mode == .conference {
            guard let video = e.video, video.sends, video.latched else { continue }
            if video.lastPacketTick > (recent.first?.video?.lastPacketTick ?? 0) || recent.first == nil {
                recent = (e, recent.first)
            } else if video.lastPacketTick > (recent.second?.video?.lastPacketTick ?? 0) || recent.second == nil {
                recent.second = e
            }
        }
        let pinUsable = videoRouter.pinned.flatMap { endpoint(withKey: $0) }?.mode == .conference
        for receiver in endpoints where receiver.mode == .conference {
            guard let video = receiver.video, video.receives else { continue }
            let fallback = recent.first === receiver ? recent.second?.key : recent.first?.key
            let desired = videoRouter.desiredSource(for: receiver.key, fallback: fallback, pinUsable: pinUsable)
            if desired != video.source && desired != video.pending {
                video.pending = desired
                video.pendingAskedTick = tick
                if let desired, let source = endpoint(withKey: desired) { requestKeyFrame(from: source, tick: tick) }
            } else if let pending = video.pending, tick &- video.pendingAskedTick > VideoRouter.requestInterval * 2,
                let source = endpoint(withKey: pending)
            {
                // No keyframe for this receiver yet: the request was lost, or it fell within the source's throttle
                // (another receiver had just asked, and that keyframe came before this one waited). Ask again.
                video.pendingAskedTick = tick
                requestKeyFrame(from: source, tick: tick)
            }
        }
        for source in endpoints {
            guard let video = source.video else { continue }
            if !video.verified && video.unverifiedTicksLeft > 0 { video.unverifiedTicksLeft &-= 1 }
            // Idle video sockets (most of them: only shown or unmuted cameras send) cost no system call.
            var budget = video.rtp.mayHaveData(readiness) ? 256 : 0
            while budget > 0, let (length, from) = video.rtp.receive(into: receiveBuffer) {
                budget -= 1
                receiveVideo(from: source, video: video, length: length, address: from, tick: tick, now: now)
            }
            if video.pendingOutbound != nil { video.settleOutboundKey(tick: tick) }
            if let rtcp = video.rtcp, rtcp.mayHaveData(readiness) {
                budget = 32
                while budget > 0, let (length, from) = rtcp.receive(into: receiveBuffer) {
                    budget -= 1
                    receiveVideoRTCP(from: source, video: video, length: length, address: from, tick: tick)
                }
            }
            sendVideoReportIfDue(video, of: source, tick: tick, now: now)
        }
    }

    private func receiveVideo(from source: MediaEndpoint, video: VideoStream, length: Int, address: MediaAddress, tick: UInt64, now: UInt64) {
        let header: RTPHeader
        let plain: Int
        switch MediaIngress.receive(receiveBuffer, length: length, from: address, inbound: video.inbound, sourceGuard: &video.sourceGuard, tick: tick) {
        case .drop(let reason):
            video.drops.count(reason)
            if reason == .wrongSource { source.lastRefusedSource = address }
            return
        case .rtcp(let n):
            acceptVideoRTCP(from: source, video: video, length: n, address: address, tick: tick)
            return
        case .rtp(let parsed, let n, let learned):
            header = parsed
            plain = n
            if learned {
                video.remote = address
                if video.rtcp == nil { video.remoteRTCP = address }
                source.learnedSourcePending = true
            }
        }
        guard header.payloadType == video.payloadType else {
            video.drops.payloadType &+= 1
            return
        }
        let packet = UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<plain])
        video.verified = true
        video.remoteSSRC = header.ssrc
        video.packetsReceived &+= 1
        video.bytesReceived &+= UInt64(length)
        guard video.sends, source.mode == .conference else { return }
        video.lastPacketTick = tick
        video.history.store(packet, sequenceNumber: header.sequenceNumber)
        let payload = UnsafeRawBufferPointer(rebasing: packet[header.payloadRange])
        // Padding-only packets (bandwidth probes) carry nothing to show: they are not forwarded, and the receiver's
        // sequence closes over them so it sees no gap.
        let paddingOnly = header.hasPadding && payload.isEmpty
        let keyFrame = !paddingOnly && VideoKeyFrame.startsKeyFrame(payload, codec: video.codec)
        for receiver in endpoints where receiver !== source {
            guard let out = receiver.video, out.receives, out.codec == video.codec, let target = receiver.videoTarget(out) else { continue }
            // A receiver shown nothing and waiting for nobody takes the first keyframe there is: this tick's choice of
            // sources ran before this source's first packets were read (it had not latched yet), and waiting for
            // its next keyframe would leave the picture black for up to a keyframe interval.
            if keyFrame, out.source == nil, out.pending == nil, receiver.mode == .conference { out.pending = source.key }
            if out.pending == source.key {
                guard keyFrame else { continue }
                // Switch at the keyframe: continue the receiver's sequence and timestamps from where they were.
                out.source = source.key
                out.pending = nil
                out.sequenceDelta = out.nextSequence &- header.sequenceNumber
                out.timestampDelta = (out.lastTimestamp &+ 3_000) &- header.timestamp
                out.offsets.record(from: out.nextSequence, offset: out.sequenceDelta)
                forward(plain: plain, header: header, to: out, target: target, now: now)
                forwardEarlyPackets(of: video, keyFrame: header, to: out, target: target, now: now)
                continue
            }
            guard out.source == source.key else { continue }
            if paddingOnly {
                if header.sequenceNumber &+ out.sequenceDelta == out.nextSequence {
                    out.sequenceDelta &-= 1
                    out.offsets.record(from: out.nextSequence, offset: out.sequenceDelta)
                }
                continue
            }
            forward(plain: plain, header: header, to: out, target: target, now: now)
        }
    }

    /// Packets of the keyframe that arrived before its first one (reordered on the way) were not forwarded while the
    /// receiver waited for the keyframe: they go out now, from the source's history, so the keyframe is whole.
    private func forwardEarlyPackets(of video: VideoStream, keyFrame: RTPHeader, to out: VideoStream, target: MediaAddress, now: UInt64) {
        var sequence = keyFrame.sequenceNumber &+ 1
        for _ in 0..<16 {
            guard let stored = video.history.packet(sequence), let header = RTPHeader(parsing: stored),
                header.timestamp == keyFrame.timestamp
            else { return }
            forward(stored, header: header, to: out, target: target, now: now)
            sequence &+= 1
        }
    }

    private func forward(plain: Int, header: RTPHeader, to out: VideoStream, target: MediaAddress, now: UInt64) {
        guard let src = receiveBuffer.baseAddress else { return }
        forward(UnsafeRawBufferPointer(start: src, count: plain), header: header, to: out, target: target, now: now)
    }

    /// Copies a source packet into the send buffer, rewrites it into `out`'s stream, protects and sends it.
    private func forward(_ packet: UnsafeRawBufferPointer, header: RTPHeader, to out: VideoStream, target: MediaAddress, now: UInt64) {
        let plain = packet.count
        guard plain + (out.outbound?.profile.rtpOverhead ?? 0) <= sendBuffer.count, let src = packet.baseAddress, let dst = sendBuffer.baseAddress
        else { return }
        dst.copyMemory(from: src, byteCount: plain)
        let sequence = header.sequenceNumber &+ out.sequenceDelta
        let timestamp = header.timestamp &+ out.timestampDelta
        RTPHeaderRewrite.setPayloadType(out.payloadType, in: sendBuffer)
        RTPHeaderRewrite.setSequenceNumber(sequence, in: sendBuffer)
        RTPHeaderRewrite.setTimestamp(timestamp, in: sendBuffer)
        RTPHeaderRewrite.setSSRC(out.localSSRC, in: sendBuffer)
        if sequence &- out.nextSequence < 0x8000 { out.nextSequence = sequence &+ 1 }
        if timestamp &- out.lastTimestamp < 0x8000_0000 || out.lastForwardTime == 0 {
            out.lastTimestamp = timestamp
            if now > 0 { out.lastForwardTime = now }
        }
        var length = plain
        if let outbound = out.outbound {
            guard case .ok(let n) = outbound.protectRTP(sendBuffer, length: length) else { return }
            length = n
        }
        if out.rtp.send(UnsafeRawBufferPointer(sendBuffer), length: length, to: target) {
            out.packetsForwarded &+= 1
            out.bytesForwarded &+= UInt64(plain)
            out.bytesSent &+= UInt64(length)
        }
    }

    /// An RTCP sender report for the video stream a receiver is sent, about once a second, so it can place video
    /// against audio (lip sync): the last forwarded timestamp, carried forward at 90 kHz to now, maps to now's NTP time.
    private func sendVideoReportIfDue(_ out: VideoStream, of receiver: MediaEndpoint, tick: UInt64, now: UInt64) {
        guard out.packetsForwarded > 0, out.lastForwardTime > 0, (tick &+ UInt64(out.localSSRC % 50)) % 50 == 0,
            let target = receiver.videoTarget(out).map({ out.remoteRTCP ?? $0 })
        else { return }
        let elapsed = now > out.lastForwardTime ? now - out.lastForwardTime : 0
        let rtpTimestamp = out.lastTimestamp &+ UInt32(truncatingIfNeeded: elapsed / 1_000 &* 90 / 1_000)
        let sr = RTCPSenderReportWriter(
            ssrc: out.localSSRC, ntpTimestamp: RTCPState.ntpNow(), rtpTimestamp: rtpTimestamp,
            senderPacketCount: UInt32(truncatingIfNeeded: out.packetsForwarded), senderOctetCount: UInt32(truncatingIfNeeded: out.bytesForwarded),
            reportBlocks: EmptyCollection<RTCPReportBlock>())
        guard var length = sr.write(into: sendBuffer) else { return }
        let sdes = RTCPSourceDescriptionWriter(ssrc: out.localSSRC, cname: receiver.rtcpState.cname)
        guard let n = sdes.write(into: UnsafeMutableRawBufferPointer(rebasing: sendBuffer[length...])) else { return }
        length += n
        if let outbound = out.outbound {
            guard case .ok(let protected) = outbound.protectRTCP(sendBuffer, length: length) else { return }
            length = protected
        }
        if (out.rtcp ?? out.rtp).send(UnsafeRawBufferPointer(sendBuffer), length: length, to: target) { out.reportsSent &+= 1 }
    }

    /// A receiver's PLI/FIR goes to the source it is shown (RFC 4585 §6.3.1, RFC 5104 §4.3.1).
    private func receiveVideoRTCP(from receiver: MediaEndpoint, video: VideoStream, length: Int, address: MediaAddress, tick: UInt64) {
        switch MediaIngress.receiveRTCP(receiveBuffer, length: length, from: address, inbound: video.inbound, sourceGuard: video.sourceGuard) {
        case .drop(let reason):
            video.drops.count(reason)
            if reason == .wrongSource { receiver.lastRefusedSource = address }
        case .rtcp(let n):
            acceptVideoRTCP(from: receiver, video: video, length: n, address: address, tick: tick)
        case .rtp:
            video.drops.malformed &+= 1
        }
    }

    /// Video RTCP that passed the ingress: where reports go, whether the viewer showed life, its PLI/FIR and NACKs.
    private func acceptVideoRTCP(from receiver: MediaEndpoint, video: VideoStream, length plain: Int, address: MediaAddress, tick: UInt64) {
        let authenticated = video.inbound != nil
        if video.rtcp != nil && video.sourceGuard.rtcpTarget(address, authenticated: authenticated) { video.remoteRTCP = address }
        if !video.verified, let remote = video.remote, remote.ip == address.ip { video.verified = true }
        video.rtcpReceived &+= 1
        var iterator = RTCPCompoundIterator(packet: UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<plain]))
        while let item = iterator.next() {
            switch item {
            case .pictureLossIndication, .fullIntraRequest:
                if let key = video.source ?? video.pending, let source = endpoint(withKey: key) { requestKeyFrame(from: source, tick: tick) }
            case .genericNACK(let nack):
                retransmit(nack, packet: UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<plain]), to: video, of: receiver)
            default:
                continue
            }
        }
    }

    /// Answers a receiver's NACK from its source's history: the receiver's sequence numbers map back through the
    /// rewrite to the source's, and the stored packets go out again rewritten (RFC 4585 §6.2.1).
    private func retransmit(_ nack: RTCPGenericNACK, packet: UnsafeRawBufferPointer, to out: VideoStream, of receiver: MediaEndpoint) {
        guard nack.mediaSSRC == out.localSSRC, let key = out.source, let source = endpoint(withKey: key)?.video,
            let target = receiver.videoTarget(out)
        else { return }
        var lost = nack.lostSequenceNumbers(in: packet)
        var budget = 32
        while budget > 0, let receiverSequence = lost.next() {
            budget -= 1
            guard let sourceSequence = out.offsets.source(for: receiverSequence),
                let stored = source.history.packet(sourceSequence), let header = RTPHeader(parsing: stored)
            else { continue }
            let nextBefore = out.nextSequence
            let lastTimestamp = out.lastTimestamp
            let lastTime = out.lastForwardTime
            let delta = out.sequenceDelta
            // The offset in force when it was first sent.
            out.sequenceDelta = receiverSequence &- sourceSequence
            forward(stored, header: header, to: out, target: target, now: 0)
            out.sequenceDelta = delta
            out.nextSequence = nextBefore
            out.lastTimestamp = lastTimestamp
            out.lastForwardTime = lastTime
            source.retransmissions &+= 1
        }
    }

    /// Asks a source for a keyframe, at most every 500 ms.
    func requestKeyFrame(from source: MediaEndpoint, tick: UInt64) {
        guard let video = source.video, let mediaSSRC = video.remoteSSRC, source.videoTarget(video) != nil,
            let target = video.remoteRTCP ?? video.remote,
            tick &- video.lastKeyFrameRequestTick >= VideoRouter.requestInterval || video.lastKeyFrameRequestTick == 0
        else { return }
        video.lastKeyFrameRequestTick = tick
        var length: Int?
        if video.prefersFIR {
            video.firSequence &+= 1
            let fir = RTCPFullIntraRequestWriter(senderSSRC: video.localSSRC, entries: CollectionOfOne(RTCPFIREntry(ssrc: mediaSSRC, sequenceNumber: video.firSequence)))
            length = fir.write(into: sendBuffer)
        } else {
            length = RTCPPictureLossIndication(senderSSRC: video.localSSRC, mediaSSRC: mediaSSRC).write(into: sendBuffer)
        }
        guard var n = length else { return }
        if let outbound = video.outbound {
            guard case .ok(let protected) = outbound.protectRTCP(sendBuffer, length: n) else { return }
            n = protected
        }
        if (video.rtcp ?? video.rtp).send(UnsafeRawBufferPointer(sendBuffer), length: n, to: target) { video.keyFrameRequestsSent &+= 1 }
    }
}
