public import MCUControl

/// An instance's load report as the pool keeps it (every second from `consort mcu`): what placement compares. Stored
/// as one JSON document, so a field added later is a new optional property, not a migration.
public struct MCUInstanceLoad: Sendable, Equatable, Codable {
    public var conferences: Int
    public var endpoints: Int
    /// RTP ports still free.
    public var freePorts: Int
    /// Ticks that started late since the instance started (a counter).
    public var lateTicks: UInt64
    /// CPU time the process used in the last second, in cores (1.5 = one and a half cores busy). Nil when not measured.
    public var cpu: Double?
    /// Tick time all conferences took in the last second (µs; each core offers 1,000,000 a second).
    public var tickMicrosecondsPerSecond: UInt64?
    /// The measured tick cost of each conference in the last second (µs per second): what moving it would free.
    public var conferenceCosts: [ConferenceCost]

    public init(
        conferences: Int, endpoints: Int, freePorts: Int, lateTicks: UInt64, cpu: Double? = nil,
        tickMicrosecondsPerSecond: UInt64? = nil, conferenceCosts: [ConferenceCost] = []
    ) {
        self.conferences = conferences
        self.endpoints = endpoints
        self.freePorts = freePorts
        self.lateTicks = lateTicks
        self.cpu = cpu
        self.tickMicrosecondsPerSecond = tickMicrosecondsPerSecond
        self.conferenceCosts = conferenceCosts
    }

    /// The pool's view of an MCU's own report, with what the report does not carry.
    public init(_ report: MCULoadReport, cpu: Double? = nil, conferenceCosts: [ConferenceCost] = []) {
        self.init(
            conferences: report.conferences, endpoints: report.endpoints, freePorts: report.freePorts, lateTicks: report.lateTicks,
            cpu: cpu, tickMicrosecondsPerSecond: report.tickMicrosecondsPerSecond, conferenceCosts: conferenceCosts)
    }
}

/// One conference's measured tick cost.
public struct ConferenceCost: Sendable, Equatable, Codable {
    public var conference: ConferenceID
    /// Tick time it took in the last second (µs).
    public var microsecondsPerSecond: UInt64

    public init(conference: ConferenceID, microsecondsPerSecond: UInt64) {
        self.conference = conference
        self.microsecondsPerSecond = microsecondsPerSecond
    }
}
