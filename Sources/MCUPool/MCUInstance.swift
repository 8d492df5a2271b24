public import Foundation

/// What an MCU says about itself when it registers (`consort mcu` at start).
public struct MCUInstanceRegistration: Sendable, Equatable, Codable {
    /// Chosen by the instance and stable across its restarts (a host name, or a configured name).
    public var id: String
    /// Where its MCUControl server listens, `host:port`.
    public var controlAddress: String
    /// The address its media sockets advertise (the SDP c= line).
    public var mediaAddress: String
    /// Its RTP/RTCP ports.
    public var rtpPorts: ClosedRange<Int>
    /// Cores it runs conferences on.
    public var cores: Int

    public init(id: String, controlAddress: String, mediaAddress: String, rtpPorts: ClosedRange<Int>, cores: Int) {
        self.id = id
        self.controlAddress = controlAddress
        self.mediaAddress = mediaAddress
        self.rtpPorts = rtpPorts
        self.cores = cores
    }
}

/// Where an instance stands in the pool.
public enum MCUInstanceState: String, Sendable, Codable, CaseIterable {
    /// Takes new conferences.
    case up
    /// Keeps its conferences while they move away; takes no new ones (SIGTERM, or an operator's drain).
    case draining
    /// Its control stream broke or its reports stopped: its conferences are placed again elsewhere.
    case down
    /// Taken out of the pool by an operator; it is not used again until it registers anew.
    case removed
}

/// A registered instance as stored.
public struct MCUInstance: Sendable, Equatable, Codable {
    public var registration: MCUInstanceRegistration
    public var state: MCUInstanceState
    /// When it (last) registered, by the database's clock.
    public var registeredAt: Date
    /// Its latest load report, nil before the first.
    public var load: MCUInstanceLoad?
    /// When that report was stored, by the database's clock.
    public var reportedAt: Date?
    /// Seconds between `reportedAt` and the database's `now()` when this was read: the age every process agrees on.
    /// Nil before the first report.
    public var secondsSinceReport: Double?

    public var id: String { registration.id }

    public init(
        registration: MCUInstanceRegistration, state: MCUInstanceState, registeredAt: Date, load: MCUInstanceLoad? = nil,
        reportedAt: Date? = nil, secondsSinceReport: Double? = nil
    ) {
        self.registration = registration
        self.state = state
        self.registeredAt = registeredAt
        self.load = load
        self.reportedAt = reportedAt
        self.secondsSinceReport = secondsSinceReport
    }
}
