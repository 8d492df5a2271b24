public import Foundation
public import MCUControl

/// Which instance hosts a live conference, and the epoch that fences every earlier owner.
public struct ConferencePlacement: Sendable, Equatable, Codable {
    public var conference: ConferenceID
    public var instance: String
    /// Higher than the epoch of every earlier placement of any conference (one sequence gives them all).
    public var epoch: Int64
    /// When this epoch was claimed, by the database's clock.
    public var claimedAt: Date

    public init(conference: ConferenceID, instance: String, epoch: Int64, claimedAt: Date) {
        self.conference = conference
        self.instance = instance
        self.epoch = epoch
        self.claimedAt = claimedAt
    }
}

/// The outcome of ``MCUPoolStore/claimPlacement(_:on:expectedEpoch:)``.
public enum PlacementClaim: Sendable, Equatable {
    /// The caller now owns the conference with this placement's epoch.
    case claimed(ConferencePlacement)
    /// Someone changed the placement since the caller read it: `current` is what it is now (nil: none, e.g. the
    /// conference was released meanwhile).
    case lost(current: ConferencePlacement?)

    /// The placement won, or nil.
    public var claimed: ConferencePlacement? {
        if case .claimed(let placement) = self { return placement }
        return nil
    }
}
