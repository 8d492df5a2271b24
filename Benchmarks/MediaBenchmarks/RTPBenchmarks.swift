import Benchmark
import RTPWire

/// A 60-byte Opus RTP packet with an RFC 6464 level in a one-byte header extension.
func makeRTPPacket(payloadBytes: Int = 40) -> [UInt8] {
    var writer = RTPHeaderWriter(payloadType: 111, sequenceNumber: 4_711, timestamp: 960_000, ssrc: 0x1234_5678)
    writer.audioLevel = AudioLevel(voiceActivity: true, level: 30)
    writer.audioLevelExtensionID = 1
    var packet = [UInt8](repeating: 0xA5, count: writer.encodedSize + payloadBytes)
    _ = packet.withUnsafeMutableBytes { writer.write(into: $0) }
    return packet
}

func rtpBenchmarks() {
    Benchmark("RTP_parse_audio_level", configuration: packetConfiguration()) { benchmark in
        let packet = makeRTPPacket()
        packet.withUnsafeBytes { bytes in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let header = RTPHeader(parsing: bytes)
                blackHole(header?.audioLevel(extensionID: 1, in: bytes))
            }
        }
    }

    Benchmark("RTP_header_write", configuration: packetConfiguration()) { benchmark in
        var buffer = [UInt8](repeating: 0, count: 1_500)
        buffer.withUnsafeMutableBytes { out in
            var sequence: UInt16 = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var writer = RTPHeaderWriter(payloadType: 111, sequenceNumber: sequence, timestamp: 0, ssrc: 7)
                writer.audioLevel = AudioLevel(voiceActivity: true, level: 30)
                writer.audioLevelExtensionID = 1
                blackHole(writer.write(into: out))
                sequence &+= 1
            }
        }
    }

    Benchmark("RTCP_compound_parse_SR", configuration: packetConfiguration()) { benchmark in
        let blocks = [RTCPReportBlock(ssrc: 1, fractionLost: 3, cumulativeLost: 10, extendedHighestSequence: 5_000, jitter: 40, lastSR: 0, delaySinceLastSR: 0)]
        let sr = RTCPSenderReportWriter(ssrc: 9, ntpTimestamp: 0xE000_0000_0000_0000, rtpTimestamp: 123, senderPacketCount: 50, senderOctetCount: 4_000, reportBlocks: blocks)
        var packet = [UInt8](repeating: 0, count: sr.encodedSize)
        _ = packet.withUnsafeMutableBytes { sr.write(into: $0) }
        packet.withUnsafeBytes { bytes in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var iterator = RTCPCompoundIterator(packet: bytes)
                while let p = iterator.next() { blackHole(p) }
            }
        }
    }
}
