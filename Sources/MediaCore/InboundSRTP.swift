import SRTP

/// The SRTP session a stream is received with and, after a re-key (a re-INVITE that changed the peer's key, RFC 4568
/// §7.1.4), the previous one for a short while: packets the peer sent with its old key before it switched, or that
/// arrive late, still decrypt. The old session is kept until the new one has authenticated ``overlapPackets`` packets.
/// Confined to the conference's loop; nothing is allocated per packet (a re-key allocates the scratch copy once).
final class InboundSRTP {
    private(set) var current: SRTPSession
    private var previous: SRTPSession?
    /// Packets the current session must authenticate before the previous one is dropped.
    static let overlapPackets = 50
    private var authenticatedSinceRekey = 0
    /// A copy of the packet, for a second try with the previous key (a failed try may have changed the bytes).
    private var scratch: UnsafeMutableRawBufferPointer?

    init(_ session: SRTPSession) { current = session }

    deinit { scratch?.deallocate() }

    /// Receives with `session` from now on; the current one stays as the fallback.
    func rekey(_ session: SRTPSession) {
        previous = current
        current = session
        authenticatedSinceRekey = 0
        if scratch == nil { scratch = .allocate(byteCount: 2_048, alignment: 16) }
    }

    /// Whether the previous key is still accepted.
    var overlapping: Bool { previous != nil }

    /// Whether the peer sends with its newest key: no re-key pending, or a packet has authenticated with the new key
    /// since. A peer that re-keyed in its offer switches when it has our answer, so it can decrypt our new key too.
    var newKeyInUse: Bool { previous == nil || authenticatedSinceRekey > 0 }

    func unprotectRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) -> SRTPResult {
        unprotect(buffer, length: length) { $0.unprotectRTP($1, length: $2) }
    }

    func unprotectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) -> SRTPResult {
        unprotect(buffer, length: length) { $0.unprotectRTCP($1, length: $2) }
    }

    @inline(__always)
    private func unprotect(
        _ buffer: UnsafeMutableRawBufferPointer, length: Int,
        _ body: (SRTPSession, UnsafeMutableRawBufferPointer, Int) -> SRTPResult
    ) -> SRTPResult {
        guard let previous, let scratch, length <= scratch.count, length <= buffer.count, let base = buffer.baseAddress,
            let copy = scratch.baseAddress
        else { return body(current, buffer, length) }
        copy.copyMemory(from: base, byteCount: length)
        let result = body(current, buffer, length)
        if case .ok = result {
            authenticatedSinceRekey += 1
            if authenticatedSinceRekey >= Self.overlapPackets { self.previous = nil }
            return result
        }
        guard result == .authenticationFailed else { return result }
        base.copyMemory(from: copy, byteCount: length)
        return body(previous, buffer, length)
    }
}
