import GRPCCore
import Logging

/// Every MCUControl call must carry `authorization: Bearer <token>` (the instance's shared token) and a protocol
/// revision the instance accepts; otherwise it is refused before it reaches the MCU, and the refusal is counted and
/// logged with the caller's address (at most once a minute per address and reason at warning: ``MCUControlRefusals``).
struct MCUControlAuthInterceptor: ServerInterceptor {
    let token: String
    let logger: Logger
    let refusals: MCUControlRefusals

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let presented = request.metadata[stringValues: "authorization"].first { _ in true }
        guard let presented, constantTimeEqual(presented, "Bearer " + token) else {
            refusals.refused(
                presented == nil ? .missingToken : .wrongToken, peer: context.remotePeer,
                message: "MCU control call refused: missing or wrong token",
                metadata: ["method": "\(context.descriptor.method)", "token": "\(presented == nil ? "missing" : "wrong")"], logger: logger)
            throw RPCError(code: .unauthenticated, message: "MCUControl refused: the token is missing or wrong (mcu.token / --token)")
        }
        let revision = request.metadata[stringValues: MCUProtocolRevision.metadataKey].first { _ in true }.flatMap { UInt32($0) }
        guard let revision, (MCUProtocolRevision.oldestAccepted...MCUProtocolRevision.current).contains(revision) else {
            let said = revision.map { "revision \($0)" } ?? "no revision"
            refusals.refused(
                .revision, peer: context.remotePeer, message: "MCU control call refused: protocol revision not accepted",
                metadata: ["revision": "\(said)"], logger: logger)
            throw RPCError(
                code: .failedPrecondition,
                message: "MCUControl refused: the caller speaks \(said), this MCU accepts revisions "
                    + "\(MCUProtocolRevision.oldestAccepted)–\(MCUProtocolRevision.current); run adjacent versions of consort")
        }
        return try await next(request, context)
    }
}
