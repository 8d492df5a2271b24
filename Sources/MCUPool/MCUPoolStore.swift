public import MCUControl

/// Where the MCU pool keeps what every process must agree on and what a restarted focus needs to rebuild: the
/// registered MCU instances with their latest load report, and the placement of every live conference.
///
/// The focus places conferences and watches instances; each `consort mcu` registers itself and reports its load. Both
/// sides use this protocol; ``PostgresMCUPoolStore`` (target FocusPostgres) implements it on the shared PostgreSQL
/// database, so several processes on several hosts see the same pool.
///
/// **Clocks.** Registration and report times are the database's clock, never a process's own: processes on
/// different hosts compare ``MCUInstance/secondsSinceReport``, which the database computes when it is read.
///
/// **Fencing.** A placement carries an epoch that only grows: every successful claim gives the conference a new,
/// higher epoch (from one sequence, so an epoch is never seen twice, even after a release and a new placement).
/// Whoever acts for a conference holds the epoch it claimed; a claim or a release with an older epoch fails, so an
/// owner that was presumed dead and comes back cannot take the conference back or remove its new placement.
public protocol MCUPoolStore: Sendable {
    // MARK: Instances

    /// Registers an instance, or registers it again (after a restart) with new addresses: its state becomes
    /// ``MCUInstanceState/up``, its registration time the database's `now()`, and its last report is cleared.
    /// Placements on it are left alone: the epochs say which of its conferences it still owns.
    ///
    /// - Returns: The instance as stored.
    func register(_ registration: MCUInstanceRegistration) async throws(MCUPoolStoreError) -> MCUInstance

    /// Records an instance's latest load report, stamped with the database's `now()`. The state is not changed: the
    /// focus decides when a silent instance is down, and when one that reports again is up.
    ///
    /// - Returns: The instance's state (so an MCU learns that it is draining or removed), or nil when no instance has
    ///   that ID (it was removed: register again).
    func reportLoad(instance: String, _ load: MCUInstanceLoad) async throws(MCUPoolStoreError) -> MCUInstanceState?

    /// Sets an instance's state; false when no instance has that ID.
    func setState(instance: String, _ state: MCUInstanceState) async throws(MCUPoolStoreError) -> Bool

    /// Every registered instance, in ID order, with its last report and how long ago it came (by the database's clock).
    func instances() async throws(MCUPoolStoreError) -> [MCUInstance]

    /// One instance, or nil.
    func instance(_ id: String) async throws(MCUPoolStoreError) -> MCUInstance?

    /// Forgets an instance. Refused (throws) while placements name it: move or release its conferences first.
    ///
    /// - Returns: False when no instance had that ID.
    func remove(instance: String) async throws(MCUPoolStoreError) -> Bool

    // MARK: Placements

    /// Places a conference on an instance, atomically, if nobody changed its placement since the caller read it:
    ///
    /// - `expectedEpoch == nil`: the conference must have no placement (a new conference);
    /// - otherwise its placement must still have that epoch (moving it, or confirming it, after reading it).
    ///
    /// On success the placement names `instance` and has a new epoch, higher than any before. Of two concurrent claims
    /// with the same expectation, exactly one wins.
    ///
    /// - Throws: ``MCUPoolStoreError`` when the instance is not registered, or the database fails.
    func claimPlacement(
        _ conference: ConferenceID, on instance: String, expectedEpoch: Int64?
    ) async throws(MCUPoolStoreError) -> PlacementClaim

    /// The placement of a conference, or nil when it has none.
    func placement(of conference: ConferenceID) async throws(MCUPoolStoreError) -> ConferencePlacement?

    /// The placements on an instance, ordered by tenant and meeting.
    func placements(on instance: String) async throws(MCUPoolStoreError) -> [ConferencePlacement]

    /// Every placement, ordered by tenant and meeting: what a restarted focus reattaches to.
    func placements() async throws(MCUPoolStoreError) -> [ConferencePlacement]

    /// Removes a conference's placement (it ended), only if it still has `epoch`.
    ///
    /// - Returns: False when it has another epoch (a newer owner) or no placement: nothing was removed.
    func releasePlacement(_ conference: ConferenceID, epoch: Int64) async throws(MCUPoolStoreError) -> Bool
}

/// A pool store failure, with what was being done.
public struct MCUPoolStoreError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
