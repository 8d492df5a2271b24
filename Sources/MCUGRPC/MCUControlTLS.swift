import GRPCNIOTransportHTTP2

/// Mutual TLS on the control channel: every instance and every focus presents a certificate chain that `trustedCAs`
/// signed, and accepts only peers whose chain it signed too (host names are not checked: the operator's private CA is
/// the trust, instances are reached by IP). The token is still required on every call.
public struct MCUControlTLS: Sendable, Equatable {
    /// PEM files: our certificate chain (leaf first), its private key, and the authorities a peer's chain must lead to.
    public var certificateChain: String
    public var privateKey: String
    public var trustedCAs: String

    public init(certificateChain: String, privateKey: String, trustedCAs: String) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.trustedCAs = trustedCAs
    }

    var serverSecurity: HTTP2ServerTransport.Posix.TransportSecurity {
        .mTLS(certificateChain: [.file(path: certificateChain, format: .pem)], privateKey: .file(path: privateKey, format: .pem)) {
            $0.trustRoots = .certificates([.file(path: trustedCAs, format: .pem)])
            $0.clientCertificateVerification = .noHostnameVerification
        }
    }

    var clientSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
        .mTLS(certificateChain: [.file(path: certificateChain, format: .pem)], privateKey: .file(path: privateKey, format: .pem)) {
            $0.trustRoots = .certificates([.file(path: trustedCAs, format: .pem)])
            $0.serverCertificateVerification = .noHostnameVerification
        }
    }
}
