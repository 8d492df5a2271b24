/// The `focus.limits` section: what one source (an IP address) may make the focus hold, and the waits that end on
/// their own. Sources the operator trusts (`sip.trustedSources`: an SBC, a PBX trunk, the provider's load generators)
/// are exempt from the per-source limits, never from the totals.
public struct FocusLimits: Sendable, Codable, Equatable {
    /// Calls from one source IP at once, from its INVITE to the end of the call.
    public var callsPerSource: Int = 20
    /// Anonymous (unauthenticated) calls from one source IP at once.
    public var unauthenticatedCallsPerSource: Int = 5
    /// Conference event subscriptions from one source IP at once.
    public var subscriptionsPerSource: Int = 20
    /// Conference event subscriptions to one conference at once.
    public var subscriptionsPerConference: Int = 500
    /// Registered contacts of one address of record.
    public var bindingsPerAddressOfRecord: Int = 10
    /// Callers waiting in one meeting's lobby at once; the next one is refused 486.
    public var lobbySize: Int = 20
    /// Longest wait in a lobby (seconds): then the caller hears the lobby-timeout prompt and gets a BYE.
    public var lobbyTimeoutSeconds: Int = 600
    /// Wrong passwords (per user) or wrong PINs (per meeting) one source may try before it must wait.
    public var secretFailuresPerSource: Int = 5
    /// The first wait after those failures (seconds); it doubles with each further failure, up to 15 minutes.
    public var secretBackoffSeconds: Int = 30

    public init() {}

    enum CodingKeys: String, CodingKey {
        case callsPerSource, unauthenticatedCallsPerSource, subscriptionsPerSource, subscriptionsPerConference
        case bindingsPerAddressOfRecord, lobbySize, lobbyTimeoutSeconds, secretFailuresPerSource, secretBackoffSeconds
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = FocusLimits()
        callsPerSource = try c.decodeIfPresent(Int.self, forKey: .callsPerSource) ?? d.callsPerSource
        unauthenticatedCallsPerSource =
            try c.decodeIfPresent(Int.self, forKey: .unauthenticatedCallsPerSource) ?? d.unauthenticatedCallsPerSource
        subscriptionsPerSource = try c.decodeIfPresent(Int.self, forKey: .subscriptionsPerSource) ?? d.subscriptionsPerSource
        subscriptionsPerConference = try c.decodeIfPresent(Int.self, forKey: .subscriptionsPerConference) ?? d.subscriptionsPerConference
        bindingsPerAddressOfRecord = try c.decodeIfPresent(Int.self, forKey: .bindingsPerAddressOfRecord) ?? d.bindingsPerAddressOfRecord
        lobbySize = try c.decodeIfPresent(Int.self, forKey: .lobbySize) ?? d.lobbySize
        lobbyTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .lobbyTimeoutSeconds) ?? d.lobbyTimeoutSeconds
        secretFailuresPerSource = try c.decodeIfPresent(Int.self, forKey: .secretFailuresPerSource) ?? d.secretFailuresPerSource
        secretBackoffSeconds = try c.decodeIfPresent(Int.self, forKey: .secretBackoffSeconds) ?? d.secretBackoffSeconds
    }

    /// What is wrong, said so the operator can fix the file; nil when nothing is.
    func validationProblem() -> String? {
        let counts: [(String, Int)] = [
            ("callsPerSource", callsPerSource), ("unauthenticatedCallsPerSource", unauthenticatedCallsPerSource),
            ("subscriptionsPerSource", subscriptionsPerSource), ("subscriptionsPerConference", subscriptionsPerConference),
            ("bindingsPerAddressOfRecord", bindingsPerAddressOfRecord), ("lobbySize", lobbySize),
            ("lobbyTimeoutSeconds", lobbyTimeoutSeconds), ("secretFailuresPerSource", secretFailuresPerSource),
            ("secretBackoffSeconds", secretBackoffSeconds),
        ]
        if let (key, _) = counts.first(where: { $0.1 < 1 }) { return "focus.limits.\(key) must be at least 1" }
        return nil
    }
}
