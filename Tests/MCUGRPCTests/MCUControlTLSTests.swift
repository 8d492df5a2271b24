import AudioMixer
import Foundation
import Logging
import MCUControl
import MCUGRPC
import MediaCore
import OpusCodec
import Testing
import TestSupport

/// Mutual TLS on the control channel (pool.tls): certificates made with openssl for the test — a private CA, an
/// instance and a focus signed by it, and an impostor that signed its own.
@Suite("MCUControl over gRPC with mutual TLS", .serialized, .timeLimit(.minutes(1)))
struct MCUControlTLSTests {
    static let token = "tls-token"

    @Test("a focus with a certificate from the operator's CA talks to the instance; plaintext, an impostor's certificate, or trusting another CA do not get through")
    func mutualTLS() async throws {
        let certificates = try TestCertificateAuthority.make(signed: ["mcu", "focus"], selfSigned: ["impostor"])
        defer { certificates.remove() }
        let logger = Logger(label: "mtls")
        var configuration = MCUConfiguration()
        configuration.rtpPorts = "21100-21199"
        configuration.bindAddress = "127.0.0.1"
        configuration.loops = 1
        let mcu = try EmbeddedMCU(
            configuration: configuration, mixer: MixerConfiguration(), opus: OpusEncoderSettings(), logger: logger,
            transport: .memory(MemoryNetwork()), manualTicks: true)
        let server = MCUControlServer(
            mcu: mcu, identity: MCUInstanceIdentity(id: "mcu-tls", mediaAddress: "127.0.0.1", loops: 1), host: "127.0.0.1", port: 0,
            token: Self.token, tls: tls(certificates, "mcu"), logger: logger)
        let serving = Task { try await server.run() }
        defer {
            server.stop()
            serving.cancel()
        }
        let port = try #require(await server.listeningPort())
        func hello(_ tls: MCUControlTLS?) async -> String {
            do {
                let client = try GRPCMCUController(host: "127.0.0.1", port: port, token: Self.token, tls: tls, callTimeout: .seconds(3), logger: logger)
                Task { await client.run() }  // ends at its shutdown()
                defer { client.shutdown() }
                return try await client.hello(focus: "test").id
            } catch {
                return "refused: \(error)"
            }
        }
        #expect(await hello(tls(certificates, "focus")) == "mcu-tls")
        #expect(await hello(nil).hasPrefix("refused"), "plaintext")
        #expect(await hello(tls(certificates, "impostor")).hasPrefix("refused"), "a certificate the CA did not sign")
        // A focus that trusts only the impostor refuses the real instance's certificate.
        #expect(await hello(tls(certificates, "focus", trusting: "impostor")).hasPrefix("refused"), "the instance's CA is not trusted")
        await mcu.shutdown()
    }
}

/// The control channel's TLS from a test authority's files.
func tls(_ certificates: TestCertificateAuthority, _ name: String, trusting ca: String = "ca") -> MCUControlTLS {
    MCUControlTLS(certificateChain: certificates.certificate(name), privateKey: certificates.privateKey(name), trustedCAs: certificates.certificate(ca))
}
