import Focus
import Hummingbird

/// Dial-out and the lobby (C3P addUser by the focus, setLobbyAccess). Placeholders until the focus has
/// `dialOut`, `admit` and `deny`.
extension AdminAPI {
    func dialOut(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try await conference(request, context)
        throw AdminError(.notImplemented, "dial-out is not available in this build")
    }

    func admit(_ request: Request, _ context: BasicRequestContext) async throws(AdminError) -> Response {
        _ = try await participant(request, context)
        throw AdminError(.notImplemented, "the lobby is not available in this build")
    }

    func deny(_ request: Request, _ context: BasicRequestContext) async throws(AdminError) -> Response {
        _ = try await participant(request, context)
        throw AdminError(.notImplemented, "the lobby is not available in this build")
    }
}
