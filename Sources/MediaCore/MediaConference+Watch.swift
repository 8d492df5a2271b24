import Logging
import MCUControl

extension MediaConference {
    /// Once a second, from plain counters (never per packet): media timeouts, drops into the metrics, and the log lines
    /// the packet path may not write (a learned source at debug, a wrong-source flood at most once a minute at notice).
    func watchEndpoints() {
        for endpoint in endpoints {
            checkMediaTimeout(endpoint)
            reportDrops(of: endpoint)
            reportTraffic(of: endpoint)
            if endpoint.learnedSourcePending {
                endpoint.learnedSourcePending = false
                logger.debug(
                    "media source learned",
                    metadata: [
                        "conference": "\(id)", "endpoint": "\(endpoint.id)", "audio": "\(endpoint.remote.map { "\($0)" } ?? "-")",
                        "video": "\(endpoint.video?.remote.map { "\($0)" } ?? "-")",
                    ])
            }
            noteWrongSources(endpoint)
        }
        publishGauges()
    }

    /// Once a second: the last second's tick time becomes the conference's measured cost, and both it and the late
    /// ticks go to the tenant's metrics.
    func noteCost() {
        let busy = busyNanoseconds &- busyAtWatch
        busyAtWatch = busyNanoseconds
        recentBusyNanoseconds.store(busy, ordering: .relaxed)
        tickMetric.increment(by: Int64(clamping: busy / 1_000))
        let late = lateTicks &- lateAtWatch
        lateAtWatch = lateTicks
        if late > 0 { lateTickMetric.increment(by: Int64(clamping: late)) }
    }

    /// Every endpoint must show life (RTP or RTCP, audio or video) within its timeout — sending, receive-only, in the
    /// lobby, at the PIN prompt; on hold or inactive (we do not send to it) within the longer hold timeout. A silent one
    /// is reported once, until media comes back.
    private func checkMediaTimeout(_ endpoint: MediaEndpoint) {
        let timeout = endpoint.sending ? mediaTimeoutTicks : holdTimeoutTicks
        var count = endpoint.counters.packetsReceived &+ endpoint.counters.rtcpReceived
        if let video = endpoint.video { count = count &+ video.packetsReceived &+ video.rtcpReceived }
        if count != endpoint.mediaWatch.count || timeout == 0 || endpoint.mediaWatch.since == 0 {
            endpoint.mediaWatch = (count, ticks, false)
            return
        }
        if !endpoint.mediaWatch.reported && ticks &- endpoint.mediaWatch.since >= timeout {
            endpoint.mediaWatch.reported = true
            endpoint.events?.mediaTimeout(seconds: Int((ticks &- endpoint.mediaWatch.since) / 50))
        }
    }

    /// Adds what an endpoint dropped since the last report to the conference's total and the tenant's metrics.
    func reportDrops(of endpoint: MediaEndpoint) {
        let all = endpoint.allDrops
        let delta = all &- endpoint.reportedDrops
        guard delta.total > 0 else { return }
        endpoint.reportedDrops = all
        droppedTotal = droppedTotal &+ delta
        for (index, item) in delta.statistics.byReason.enumerated() where item.count > 0 && index < dropMetrics.count {
            dropMetrics[index].increment(by: Int64(clamping: item.count))
        }
    }

    /// Packets from sources an endpoint does not accept: at debug once a second (with the last such source), and at
    /// notice when they keep coming, at most once a minute per endpoint.
    private func noteWrongSources(_ endpoint: MediaEndpoint) {
        let wrong = endpoint.allDrops.wrongSource
        if wrong != endpoint.wrongSourceDebugged {
            logger.debug(
                "media from a source signalling did not allow dropped",
                metadata: [
                    "conference": "\(id)", "endpoint": "\(endpoint.id)", "packets": "\(wrong &- endpoint.wrongSourceDebugged)",
                    "source": "\(endpoint.lastRefusedSource.map { "\($0)" } ?? "-")",
                ])
            endpoint.wrongSourceDebugged = wrong
        }
        let notice = endpoint.wrongSourceNotice
        guard wrong &- notice.count >= 50, notice.tick == 0 || ticks &- notice.tick >= 3_000 else { return }
        endpoint.wrongSourceNotice = (wrong, ticks)
        logger.notice(
            "media from sources signalling did not allow dropped",
            metadata: [
                "conference": "\(id)", "endpoint": "\(endpoint.id)", "packets": "\(wrong &- notice.count)",
                "lastSource": "\(endpoint.lastRefusedSource.map { "\($0)" } ?? "-")",
            ])
    }
}
