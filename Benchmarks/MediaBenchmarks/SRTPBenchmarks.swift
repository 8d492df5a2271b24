import Benchmark
import RTPWire
import SRTP

// Debian builds libsrtp2 on NSS, which allocates a cipher context per packet inside libsrtp2: 10 mallocs per
// protect+unprotect pair with AES-GCM, 28 with AES-CM/HMAC-SHA1. Consort's wrapper adds none. Thresholds/ holds
// exactly those counts, so a change in either shows up.

func srtpBenchmarks() {
    for profile in [SRTPProfile.aeadAES128GCM, .aesCM128HMACSHA1_80] {
        for size in [60, 1_200] {
            let name = "SRTP_protect_unprotect_\(size)B_\(profile.rawValue)"
            Benchmark(name, configuration: packetConfiguration(libsrtp: true)) { benchmark in
                let key = try SRTPKeyMaterial.random(profile: profile)
                let sender = try SRTPSession(keyMaterial: key, direction: .outbound)
                let receiver = try SRTPSession(keyMaterial: key, direction: .inbound)
                let plain = makeRTPPacket(payloadBytes: size - 20)
                var buffer = [UInt8](repeating: 0, count: size + 64)
                var sequence: UInt16 = 1
                buffer.withUnsafeMutableBytes { buffer in
                    plain.withUnsafeBytes { plain in
                        benchmark.startMeasurement()
                        for _ in benchmark.scaledIterations {
                            buffer.copyMemory(from: plain)
                            buffer[2] = UInt8(sequence >> 8)
                            buffer[3] = UInt8(truncatingIfNeeded: sequence)
                            sequence &+= 1
                            guard case .ok(let protected) = sender.protectRTP(buffer, length: plain.count) else { continue }
                            blackHole(receiver.unprotectRTP(buffer, length: protected))
                        }
                    }
                }
            }
        }
    }
}
