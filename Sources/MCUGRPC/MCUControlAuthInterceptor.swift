import GRPCCore
import Logging

/// Every MCUControl call must carry `authorization: Bearer <token>` (the instance's shared token) and a protocol
/// revision the instance accepts; otherwise it is refused before it reaches the MCU, and the refusal is logged with the
/// caller's address.
struct MCUControlAuthInterceptor: ServerInterceptor {
    let token: String
    let logger: Logger

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let presented = request.metadata[stringValues: "authorization"].first { _ in true }
        guard let presented, constantTimeEqual(presented, "Bearer " + token) else {
            logger.warning(
                "MCU control call refused: missing or wrong token",
                metadata: ["peer": "\(context.remotePeer)", "method": "\(context.descriptor.method)", "token": "\(presented == nil ? "missing" : "wrong")"])
            throw RPCError(code: .unauthenticated, message: "MCUControl refused: the token is missing or wrong (mcu.token / --token)")
        }
        let revision = request.metadata[stringValues: MCUProtocolRevision.metadataKey].first { _ in true }.flatMap { UInt32($0) }
        guard let revision, (MCUProtocolRevision.oldestAccepted...MCUProtocolRevision.current).contains(revision) else {
            let said = revision.map { "revision \($0)" } ?? "no revision"
            logger.warning(
                "MCU control call refused: protocol revision not accepted",
                metadata: ["peer": "\(context.remotePeer)", "revision": "\(said)"])
            throw RPCError(
                code: .failedPrecondition,
                message: "MCUControl refused: the caller speaks \(said), this MCU accepts revisions "
                    + "\(MCUProtocolRevision.oldestAccepted)–\(MCUProtocolRevision.current); run adjacent versions of consort")
        }
        return try await next(request, context)
    }
}
