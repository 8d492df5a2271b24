@testable import Focus
import Foundation
import MCUControl
import MediaCore
import Testing
import TestSupport

/// A tenant at its share of the MCU's ports: its next caller gets 503 with Retry-After (never 488), and another tenant
/// still gets in. Real sipp calls against the focus and embedded MCU.
@Suite("Focus: media port share per tenant", .serialized, .timeLimit(.minutes(2)))
struct FocusMediaCapacityTests {
    @Test("the MCU's capacity refusal is 503 with Retry-After at the focus; a tenant past its port share gets it over SIP")
    func tenantPortShare() async throws {
        // 4 or 5 port pairs (the base port may be odd), half of them a tenant's: 2 calls.
        let server = try await InProcessServer.start(focus: FocusJoinTests.tenants()) { media, port in
            media.rtpPorts = "\(port + 100)-\(port + 109)"
            media.maxTenantPortShare = 0.5
        }
        let refusal = server.focus.mediaRefusal(MCUControlError(.capacity, "tenant initech holds its share of the media ports"))
        #expect(refusal.status == 503)
        #expect(refusal.headers.contains { $0.name == "Retry-After" })

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sipp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var holders: [(Process, URL)] = []
        for index in 0..<2 {
            let directory = folder.appendingPathComponent("\(index)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            holders.append(
                try FocusSipp.launch(
                    "invite", port: server.port, service: "room-a", domain: "initech.test", keys: ["pause": "4000"],
                    directory: directory))
            _ = try await waitForConference(server, tenant: "initech", id: "room-a", participants: index + 1)
        }
        let refused = try FocusSipp.run(
            "invite-refused", port: server.port, service: "room-a", domain: "initech.test", fill: FocusJoinTests.failure(503))
        let other = try FocusSipp.run("invite", port: server.port, service: "private", domain: "globex.test")
        let results = holders.map { waitForProgram($0, timeout: 15) }
        await server.stop()
        #expect(refused.status == 0, "sipp: \(refused.output.suffix(1_500))")
        #expect(other.status == 0, "sipp: \(other.output.suffix(1_500))")
        for result in results { #expect(result.status == 0, "sipp: \(result.output.suffix(1_500))") }
    }
}
