import Hummingbird
import Logging

/// Keeps every error answer JSON: an unknown route or method gets `{"error": …}` naming it instead of an empty 404,
/// Hummingbird's own errors keep their status with a JSON reason, and anything unexpected is logged and answered 500.
struct AdminErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            if response.status == .notFound && (response.body.contentLength ?? 0) == 0 {
                return try noRoute(request).response(from: request, context: context)
            }
            return response
        } catch let error as AdminError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError {
            if error.status == .notFound { return try noRoute(request).response(from: request, context: context) }
            let reason = error.body ?? error.status.reasonPhrase
            return try AdminError(error.status, reason).response(from: request, context: context)
        } catch {
            logger.error(
                "admin request failed", metadata: ["target": "\(request.method.rawValue) \(request.uri.path)", "error": "\(error)"])
            return try AdminError(.internalServerError, "internal error: \(error)").response(from: request, context: context)
        }
    }

    func noRoute(_ request: Request) -> AdminError {
        AdminError(.notFound, "no route \(request.method.rawValue) \(request.uri.path) (the routes are listed in README.md, Admin API)")
    }
}
