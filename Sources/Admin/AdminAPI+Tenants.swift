import Focus
import Hummingbird

/// `GET /v1/tenants`, `GET /metrics`.
extension AdminAPI {
    /// Every tenant for the operator; a tenant token's own tenant only.
    func listTenants(_ request: Request) async throws(AdminError) -> Response {
        let principal = try authenticator.authenticate(request, tenant: nil)
        let visible = focus.directory.tenants.filter { principal.sees(tenant: $0.id) }
        return AdminJSON.response(visible.map { TenantView($0, usage: focus.usage(tenant: $0.id)) })
    }

    /// The process's metrics in the Prometheus text format (0.0.4): the focus's per-tenant joins, refusals,
    /// conferences and participants, and whatever else records through swift-metrics. Operator tokens only, unless
    /// `admin.metricsPublic` (the labels name every tenant).
    func metrics(_ request: Request) async throws(AdminError) -> Response {
        if !metricsPublic {
            let principal = try authenticator.authenticate(request, tenant: nil)
            guard principal == .operator else {
                throw AdminError.forbidden("/metrics shows every tenant: it needs an operator token (admin.operatorTokens)")
            }
        }
        var body = ByteBuffer()
        body.writeBytes(registry.emitToBuffer())
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .contentLength: "\(body.readableBytes)"],
            body: .init(byteBuffer: body))
    }
}
