/// The plain counters of one endpoint that feed the tenant's metrics, read once a second (never per packet).
struct EndpointMetricCounters: Equatable {
    /// RTP packets and bytes of one stream both ways, and its SRTP failures.
    struct Stream: Equatable {
        var packetsReceived: UInt64 = 0
        var bytesReceived: UInt64 = 0
        var packetsSent: UInt64 = 0
        var bytesSent: UInt64 = 0
        var authenticationFailures: UInt64 = 0
        var replays: UInt64 = 0

        static func &- (a: Self, b: Self) -> Self {
            Stream(
                packetsReceived: a.packetsReceived &- b.packetsReceived, bytesReceived: a.bytesReceived &- b.bytesReceived,
                packetsSent: a.packetsSent &- b.packetsSent, bytesSent: a.bytesSent &- b.bytesSent,
                authenticationFailures: a.authenticationFailures &- b.authenticationFailures, replays: a.replays &- b.replays)
        }
    }

    var audio = Stream()
    var video = Stream()
    /// The video stream counted: a re-INVITE that turns video off and on again makes a new one, whose counters start at 0.
    var videoStream: ObjectIdentifier?
    /// From the audio jitter buffer: frames lost, concealed, rebuilt from FEC.
    var lost: UInt64 = 0
    var concealed: UInt64 = 0
    var recoveredByFEC: UInt64 = 0

    /// What was counted since `earlier` (a new video stream counts from 0).
    func since(_ earlier: Self) -> Self {
        EndpointMetricCounters(
            audio: audio &- earlier.audio, video: videoStream == earlier.videoStream ? video &- earlier.video : video,
            videoStream: videoStream, lost: lost &- earlier.lost, concealed: concealed &- earlier.concealed,
            recoveredByFEC: recoveredByFEC &- earlier.recoveredByFEC)
    }
}

extension MediaEndpoint {
    /// The endpoint's counters now.
    var metricCounters: EndpointMetricCounters {
        let jb = participant.jitterBuffer.counters
        var counters = EndpointMetricCounters(
            audio: .init(
                packetsReceived: self.counters.packetsReceived, bytesReceived: self.counters.bytesReceived,
                packetsSent: self.counters.packetsSent, bytesSent: self.counters.bytesSent,
                authenticationFailures: drops.authentication, replays: drops.replay),
            lost: jb.lost, concealed: jb.concealed, recoveredByFEC: jb.recoveredByFEC)
        if let video {
            counters.video = .init(
                packetsReceived: video.packetsReceived, bytesReceived: video.bytesReceived, packetsSent: video.packetsForwarded,
                bytesSent: video.bytesSent, authenticationFailures: video.drops.authentication, replays: video.drops.replay)
            counters.videoStream = ObjectIdentifier(video)
        }
        return counters
    }

    /// The RFC 3550 interarrival jitter of the audio it sends us, in seconds.
    var jitterSeconds: Double {
        Double(participant.jitterBuffer.jitter) / Double(max(1, participant.format.clockRate))
    }

    /// The audio jitter buffer's current playout delay, in seconds.
    var jitterBufferDelaySeconds: Double {
        Double(participant.jitterBuffer.counters.currentDelayMilliseconds) / 1_000
    }
}
