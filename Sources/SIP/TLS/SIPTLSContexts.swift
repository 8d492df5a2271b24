import NIOCore
import NIOSSL

/// The TLS contexts of the stack, made once at start from ``SIPTLSConfiguration``: the server side presents the
/// configured certificate; the client side verifies the server's certificate (name or IP address) against the system
/// trust store plus `sip.tls.trustedCAs` (RFC 5630 §3: TLS is hop by hop, each hop authenticates the next).
struct SIPTLSContexts: Sendable {
    let server: NIOSSLContext
    let client: NIOSSLContext

    /// Loads the PEM files; throws ``SIPError`` `.invalid` naming the file and the key to fix.
    init(configuration: SIPTLSConfiguration) throws(SIPError) {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(configuration.certificate)
        } catch {
            throw SIPError(.invalid, "sip.tls.certificate: \(configuration.certificate) is not a readable PEM certificate (\(error))")
        }
        guard !chain.isEmpty else {
            throw SIPError(.invalid, "sip.tls.certificate: \(configuration.certificate) holds no PEM certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: configuration.privateKey, format: .pem)
        } catch {
            throw SIPError(.invalid, "sip.tls.privateKey: \(configuration.privateKey) is not a readable PEM private key (\(error))")
        }
        let version: TLSVersion = configuration.minimumVersion == .tls13 ? .tlsv13 : .tlsv12
        var serverConfiguration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        serverConfiguration.minimumTLSVersion = version
        var clientConfiguration = TLSConfiguration.makeClientConfiguration()
        clientConfiguration.minimumTLSVersion = version
        clientConfiguration.certificateVerification = .fullVerification
        clientConfiguration.trustRoots = .default
        if let cas = configuration.trustedCAs {
            do {
                let extra = try NIOSSLCertificate.fromPEMFile(cas)
                clientConfiguration.additionalTrustRoots = [.certificates(extra)]
            } catch {
                throw SIPError(.invalid, "sip.tls.trustedCAs: \(cas) is not a readable PEM certificate file (\(error))")
            }
        }
        do {
            server = try NIOSSLContext(configuration: serverConfiguration)
            client = try NIOSSLContext(configuration: clientConfiguration)
        } catch {
            throw SIPError(
                .invalid, "sip.tls: the certificate and private key cannot make a TLS context (do they belong together?): \(error)")
        }
    }

    /// The handler that opens a TLS connection to `peer`: SNI and name verification with the host name when the peer
    /// was found by name, else verification against its IP address.
    func clientHandler(for peer: SIPPeer) throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: client, serverHostname: peer.serverName)
    }
}
