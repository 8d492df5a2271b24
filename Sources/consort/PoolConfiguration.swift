import Foundation

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

    init() {}

    enum CodingKeys: String, CodingKey { case enabled, controlAddress, token, callTimeoutSeconds, downAfterSeconds, drainSeconds }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = PoolConfiguration()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? defaults.enabled
        controlAddress = try c.decodeIfPresent(String.self, forKey: .controlAddress) ?? defaults.controlAddress
        token = try c.decodeIfPresent(String.self, forKey: .token) ?? defaults.token
        callTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .callTimeoutSeconds) ?? defaults.callTimeoutSeconds
        downAfterSeconds = try c.decodeIfPresent(Double.self, forKey: .downAfterSeconds) ?? defaults.downAfterSeconds
        drainSeconds = try c.decodeIfPresent(Double.self, forKey: .drainSeconds) ?? defaults.drainSeconds
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
        return nil
    }
}
