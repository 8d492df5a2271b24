import Foundation
import MCUGRPC

/// The `pool` section: MCU instances (`consort mcu`) serving MCUControl over gRPC, and how the focus treats them.
struct PoolConfiguration: Codable, Equatable {
    /// true: `consort serve` runs no MCU of its own; it places conferences on the `consort mcu` instances registered in
    /// the shared database (focus.database must be a postgres:// URL).
    var enabled = false
    /// Where `consort mcu` serves MCUControl (IP:PORT; port 0 picks a free one). Overridden by --control-address.
    var controlAddress = "127.0.0.1:7070"
    /// The token every MCUControl call carries (`authorization: Bearer`). `consort mcu` refuses to start without one;
    /// the environment variable CONSORT_MCU_TOKEN or --token override it, so it need not sit in the file.
    var token = ""
    /// Per-call deadline of the focus's MCUControl calls, in seconds.
    var callTimeoutSeconds = 2.0
    /// Seconds without a load report (or with the event stream broken) after which the focus marks an instance down.
    var downAfterSeconds = 3.0
    /// How long `consort mcu` waits on SIGTERM for its conferences to move elsewhere before it exits anyway.
    var drainSeconds = 60.0
    /// Mutual TLS on the control channel; off while its paths are empty.
    var tls = PoolTLSConfiguration()
    /// Where `consort mcu` serves GET /metrics and /health (IPv4:PORT); empty: not served.
    var metricsAddress = ""

    init() {}

    enum CodingKeys: String, CodingKey { case enabled, controlAddress, token, callTimeoutSeconds, downAfterSeconds, drainSeconds, tls, metricsAddress }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = PoolConfiguration()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? defaults.enabled
        controlAddress = try c.decodeIfPresent(String.self, forKey: .controlAddress) ?? defaults.controlAddress
        token = try c.decodeIfPresent(String.self, forKey: .token) ?? defaults.token
        callTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .callTimeoutSeconds) ?? defaults.callTimeoutSeconds
        downAfterSeconds = try c.decodeIfPresent(Double.self, forKey: .downAfterSeconds) ?? defaults.downAfterSeconds
        drainSeconds = try c.decodeIfPresent(Double.self, forKey: .drainSeconds) ?? defaults.drainSeconds
        tls = try c.decodeIfPresent(PoolTLSConfiguration.self, forKey: .tls) ?? defaults.tls
        metricsAddress = try c.decodeIfPresent(String.self, forKey: .metricsAddress) ?? defaults.metricsAddress
    }

    /// The token: CONSORT_MCU_TOKEN when set, else `token`.
    var resolvedToken: String {
        if let fromEnvironment = ProcessInfo.processInfo.environment["CONSORT_MCU_TOKEN"], !fromEnvironment.isEmpty { return fromEnvironment }
        return token
    }

    /// The control address as host and port, or nil when it is not IPv4:port.
    static func hostPort(_ text: String) -> (host: String, port: Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = Int(parts[1]), (0...65_535).contains(port),
            parts[0].split(separator: ".").count == 4, parts[0].split(separator: ".").allSatisfy({ UInt8($0) != nil })
        else { return nil }
        return (String(parts[0]), port)
    }

    func validationProblem() -> String? {
        if Self.hostPort(controlAddress) == nil { return "pool.controlAddress: \(controlAddress) is not IPv4:PORT (e.g. 127.0.0.1:7070)" }
        if !(callTimeoutSeconds > 0 && callTimeoutSeconds <= 60) { return "pool.callTimeoutSeconds: between 0 and 60" }
        if !(downAfterSeconds >= 0.5 && downAfterSeconds <= 600) { return "pool.downAfterSeconds: between 0.5 and 600" }
        if enabled && resolvedToken.isEmpty { return "pool.enabled needs the control token: set pool.token or CONSORT_MCU_TOKEN" }
        if !(drainSeconds >= 0 && drainSeconds <= 3_600) { return "pool.drainSeconds: between 0 and 3600" }
        if let problem = tls.validationProblem() { return problem }
        if !metricsAddress.isEmpty && Self.hostPort(metricsAddress) == nil {
            return "pool.metricsAddress: \(metricsAddress) is not IPv4:PORT (e.g. 10.0.0.5:9464), or empty for none"
        }
        return nil
    }
}

/// `pool.tls`: the PEM files of mutual TLS on the control channel. All three or none.
struct PoolTLSConfiguration: Codable, Equatable {
    /// Our certificate chain (leaf first): an instance serves it, a focus presents it.
    var certificate = ""
    var privateKey = ""
    /// The authorities a peer's certificate must lead to (the operator's private CA).
    var trustedCAs = ""

    init() {}

    enum CodingKeys: String, CodingKey { case certificate, privateKey, trustedCAs }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        certificate = try c.decodeIfPresent(String.self, forKey: .certificate) ?? ""
        privateKey = try c.decodeIfPresent(String.self, forKey: .privateKey) ?? ""
        trustedCAs = try c.decodeIfPresent(String.self, forKey: .trustedCAs) ?? ""
    }

    /// The control channel's TLS, or nil when the section is empty.
    var control: MCUControlTLS? {
        guard !certificate.isEmpty else { return nil }
        return MCUControlTLS(certificateChain: certificate, privateKey: privateKey, trustedCAs: trustedCAs)
    }

    /// Relative paths taken from `folder` (the configuration file's).
    func resolvingPaths(relativeTo folder: String) -> PoolTLSConfiguration {
        func resolve(_ path: String) -> String { path.isEmpty || path.hasPrefix("/") ? path : "\(folder)/\(path)" }
        var resolved = self
        resolved.certificate = resolve(certificate)
        resolved.privateKey = resolve(privateKey)
        resolved.trustedCAs = resolve(trustedCAs)
        return resolved
    }

    func validationProblem() -> String? {
        let given = [("certificate", certificate), ("privateKey", privateKey), ("trustedCAs", trustedCAs)]
        guard given.contains(where: { !$0.1.isEmpty }) else { return nil }
        if let missing = given.first(where: { $0.1.isEmpty }) {
            return "pool.tls.\(missing.0) is empty: mutual TLS needs certificate, privateKey and trustedCAs"
        }
        for (name, path) in given where !FileManager.default.isReadableFile(atPath: path) {
            return "pool.tls.\(name): cannot read \(path)"
        }
        return nil
    }
}
