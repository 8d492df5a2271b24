import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `consort serve` with the shipped configuration runs the admin API in its lifecycle: it logs the URL, answers
/// with the demo tokens, stops on SIGTERM, and refuses to start (saying what to change) when the port is taken.
@Suite("consort serve: admin API", .serialized, .timeLimit(.minutes(2)))
struct AdminServeTests {
    func launch(sipPort: Int, adminPort: Int) throws -> (Process, URL) {
        try launchProgram(
            consortBinary,
            ["serve", "--config", packageRoot.appendingPathComponent("Config/consort.yaml").path, "--sip-address", "127.0.0.1",
             "--sip-port", "\(sipPort)", "--rtp-ports", "\(sipPort + 10)-\(sipPort + 100)", "--admin-port", "\(adminPort)",
             "--log-level", "info"])
    }

    @Test("serve logs the admin URL, answers /health and /v1/tenants per token, and stops on SIGTERM")
    func lifecycle() async throws {
        let adminPort = freePort()
        let server = try launch(sipPort: freePort(), adminPort: adminPort)
        let log = await waitForLog(server, "admin API listening")
        let base = "http://127.0.0.1:\(adminPort)"
        let health = try? await AdminHTTP.request("GET", "\(base)/health")
        let all = try? await AdminHTTP.request("GET", "\(base)/v1/tenants", token: "operator-demo-token")
        let contoso = try? await AdminHTTP.request("GET", "\(base)/v1/tenants", token: "contoso-admin-token")
        let stopped = stopProgram(server)
        #expect(log.contains("url=http://127.0.0.1:\(adminPort)/v1") || log.contains("http://127.0.0.1:\(adminPort)/v1"), "\(log.suffix(1_500))")
        #expect(log.contains("subsystem=admin"), "\(log.suffix(1_500))")
        #expect(health?.status == 200)
        #expect(all?.array.map { $0["id"] as? String } == ["contoso", "default", "fabrikam"])
        #expect(contoso?.array.map { $0["id"] as? String } == ["contoso"])
        #expect(stopped.status == 0 && stopped.seconds < 5, "log: \(stopped.output.suffix(800))")
    }

    @Test("an admin port already in use stops serve with a message that says what to change")
    func portInUse() async throws {
        let adminPort = freePort()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(adminPort).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        try #require(bound && listen(fd, 1) == 0)
        let server = try launch(sipPort: freePort(), adminPort: adminPort)
        let result = await waitForExit(server, timeout: 15)
        #expect(result.status != 0)
        #expect(result.output.contains("admin API: cannot listen on 127.0.0.1:\(adminPort)"), "\(result.output.suffix(1_500))")
        #expect(result.output.contains("--admin-port"))
    }
}
