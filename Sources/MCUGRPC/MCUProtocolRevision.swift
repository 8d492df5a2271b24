/// The MCUControl protocol revision this build speaks over gRPC (within the proto package's major version, v1), and the
/// oldest a server still accepts. Every call carries it in metadata; a server refuses a revision outside its range with
/// FAILED_PRECONDITION and a message naming both, so a focus and an MCU of non-adjacent versions fail clearly at the
/// first call instead of misreading each other.
public enum MCUProtocolRevision {
    public static let current: UInt32 = 1
    public static let oldestAccepted: UInt32 = 1
    /// The metadata entry carrying the caller's revision.
    public static let metadataKey = "consort-mcu-protocol"
}

/// Compares two secrets in time that depends only on their lengths.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var difference: UInt8 = 0
    for i in x.indices { difference |= x[i] ^ y[i] }
    return difference == 0
}
