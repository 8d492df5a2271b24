import Foundation
import MCUControl
import SDP
import Synchronization

/// One control call the focus made, as the fake received it.
enum MCUCall: Sendable, Equatable {
    case addConference(ConferenceID)
    case removeConference(ConferenceID)
    case addEndpoint(AddEndpointRequest)
    case modifyEndpoint(ModifyEndpointRequest)
    case removeEndpoint(ConferenceID, EndpointID)
    case playAnnouncement(AnnouncementRequest)
    case stopAnnouncement(ConferenceID, EndpointID)

    /// The operation's name, for compact expectations ("addConference", "addEndpoint" …).
    var name: String {
        switch self {
        case .addConference: "addConference"
        case .removeConference: "removeConference"
        case .addEndpoint: "addEndpoint"
        case .modifyEndpoint: "modifyEndpoint"
        case .removeEndpoint: "removeEndpoint"
        case .playAnnouncement: "playAnnouncement"
        case .stopAnnouncement: "stopAnnouncement"
        }
    }
}

/// A fake of the MCU boundary: it records every control call in order, keeps the conferences and endpoints it was told
/// about (so a test can see what the MCU would hold), answers an offer with a real SDP answer built by the `SDP`
/// module, fails the calls a test asks it to, and sends the events a test emits to the handler the focus set. No
/// sockets, no media, no timers.
final class RecordingMCU: MCUController {
    /// The calls a test can make fail.
    enum Operation: Hashable, Sendable { case addConference, addEndpoint, modifyEndpoint, playAnnouncement }

    /// An endpoint as the fake holds it.
    struct Endpoint: Sendable, Equatable {
        var mode: EndpointMode
        var muted: Bool
        var label: String
    }

    private struct State: Sendable {
        var calls: [MCUCall] = []
        var failures: [Operation: [MCUControlError]] = [:]
        var conferences: [ConferenceID: [EndpointID: Endpoint]] = [:]
        var handler: (@Sendable (MCUEvent) -> Void)?
        var nextPort = 20_000
        /// Continuations of `removeConference` calls held by ``holdRemovals()``.
        var holdingRemovals = false
        var heldRemovals: [CheckedContinuation<Void, Never>] = []
        /// Continuations of `stopAnnouncement` calls held by ``holdStops()``.
        var holdingStops = false
        var heldStops: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    // MARK: - What the test sees and does

    /// Every call so far, in order.
    var calls: [MCUCall] { state.withLock { $0.calls } }

    /// The names of the calls so far, in order.
    var callNames: [String] { calls.map(\.name) }

    /// The `addEndpoint` requests so far.
    var addedEndpoints: [AddEndpointRequest] {
        calls.compactMap { if case .addEndpoint(let r) = $0 { r } else { nil } }
    }

    /// The `modifyEndpoint` requests so far.
    var modifications: [ModifyEndpointRequest] {
        calls.compactMap { if case .modifyEndpoint(let r) = $0 { r } else { nil } }
    }

    /// The prompts played so far (file names without the folder), in order.
    var promptsPlayed: [String] {
        calls.compactMap { if case .playAnnouncement(let r) = $0 { URL(fileURLWithPath: r.prompt).lastPathComponent } else { nil } }
    }

    /// The endpoints a conference has on the fake now; nil when the conference does not exist.
    func endpoints(in conference: ConferenceID) -> [EndpointID: Endpoint]? { state.withLock { $0.conferences[conference] } }

    /// Whether the focus has set its event handler.
    var hasEventHandler: Bool { state.withLock { $0.handler != nil } }

    /// Makes the next `times` calls of `operation` throw `error`.
    func fail(_ operation: Operation, with error: MCUControlError, times: Int = 1) {
        state.withLock { $0.failures[operation, default: []].append(contentsOf: Array(repeating: error, count: times)) }
    }

    /// Sends an event to the focus's handler, as the MCU does: one at a time, in the order emitted.
    func emit(_ event: MCUEvent) {
        let handler = state.withLock { $0.handler }
        handler?(event)
    }

    /// From now on `removeConference` waits, after recording the call, until ``releaseRemovals()``.
    func holdRemovals() { state.withLock { $0.holdingRemovals = true } }

    /// Lets every held and future `removeConference` go on.
    func releaseRemovals() {
        let held = state.withLock { s in
            s.holdingRemovals = false
            defer { s.heldRemovals = [] }
            return s.heldRemovals
        }
        for continuation in held { continuation.resume() }
    }

    /// From now on `stopAnnouncement` waits, after recording the call, until ``releaseStops()``.
    func holdStops() { state.withLock { $0.holdingStops = true } }

    /// Lets every held and future `stopAnnouncement` go on.
    func releaseStops() {
        let held = state.withLock { s in
            s.holdingStops = false
            defer { s.heldStops = [] }
            return s.heldStops
        }
        for continuation in held { continuation.resume() }
    }

    // MARK: - MCUController

    func addConference(_ conference: ConferenceID) async throws(MCUControlError) {
        try record(.addConference(conference), failing: .addConference)
        state.withLock { s in if s.conferences[conference] == nil { s.conferences[conference] = [:] } }
    }

    func removeConference(_ conference: ConferenceID) async {
        let hold = state.withLock { s in
            s.calls.append(.removeConference(conference))
            return s.holdingRemovals
        }
        if hold {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    guard s.holdingRemovals else { return true }
                    s.heldRemovals.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        state.withLock { _ = $0.conferences.removeValue(forKey: conference) }
    }

    func addEndpoint(_ request: AddEndpointRequest) async throws(MCUControlError) -> AddEndpointResponse {
        try record(.addEndpoint(request), failing: .addEndpoint)
        guard state.withLock({ $0.conferences[request.conference] != nil }) else {
            throw MCUControlError(.notFound, "no conference \(request.conference)")
        }
        let policy = SDPAnswerPolicy(
            address: request.advertisedAddress, allowVideo: request.policy.allowVideo, allowPlainRTP: request.policy.allowPlainRTP,
            sessionID: UInt64.random(in: 1...UInt64(Int64.max)))
        let response: AddEndpointResponse
        if let offer = request.offer {
            response = try answer(offer, policy: policy)
        } else {
            let description = SDPOfferAnswer.offer(
                policy: policy, options: SDPOfferOptions(audio: SDPLocalMedia(port: takePort()), video: nil, srtpKeys: []))
            response = AddEndpointResponse(answer: description.serialized, media: [EndpointMedia(type: "audio", accepted: true, localPort: 0)])
        }
        let endpoint = Endpoint(mode: request.mode, muted: request.policy.muted, label: request.label)
        state.withLock { $0.conferences[request.conference]?[request.endpoint] = endpoint }
        return response
    }

    func modifyEndpoint(_ request: ModifyEndpointRequest) async throws(MCUControlError) -> AddEndpointResponse? {
        try record(.modifyEndpoint(request), failing: .modifyEndpoint)
        let known = state.withLock { s -> Bool in
            guard var endpoint = s.conferences[request.conference]?[request.endpoint] else { return false }
            if let mode = request.mode { endpoint.mode = mode }
            if let muted = request.muted { endpoint.muted = muted }
            s.conferences[request.conference]?[request.endpoint] = endpoint
            return true
        }
        guard known else { throw MCUControlError(.notFound, "no endpoint \(request.endpoint) in \(request.conference)") }
        guard let offer = request.offer else { return nil }
        return try answer(offer, policy: SDPAnswerPolicy(address: request.advertisedAddress ?? "127.0.0.1", sessionID: 1, sessionVersion: 2))
    }

    func removeEndpoint(_ conference: ConferenceID, _ endpoint: EndpointID) async {
        state.withLock { s in
            s.calls.append(.removeEndpoint(conference, endpoint))
            _ = s.conferences[conference]?.removeValue(forKey: endpoint)
        }
    }

    func playAnnouncement(_ request: AnnouncementRequest) async throws(MCUControlError) {
        try record(.playAnnouncement(request), failing: .playAnnouncement)
        guard state.withLock({ $0.conferences[request.conference]?[request.endpoint] != nil }) else {
            throw MCUControlError(.notFound, "no endpoint \(request.endpoint) in \(request.conference)")
        }
    }

    func stopAnnouncement(_ conference: ConferenceID, _ endpoint: EndpointID) async {
        let hold = state.withLock { s in
            s.calls.append(.stopAnnouncement(conference, endpoint))
            return s.holdingStops
        }
        guard hold else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                guard s.holdingStops else { return true }
                s.heldStops.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func setEventHandler(_ handler: @escaping @Sendable (MCUEvent) -> Void) async {
        state.withLock { $0.handler = handler }
    }

    func statistics(_ conference: ConferenceID) async -> ConferenceStatistics? {
        guard let endpoints = endpoints(in: conference) else { return nil }
        let list = endpoints.sorted { $0.key.value < $1.key.value }.map { id, e in
            EndpointStatistics(
                endpoint: id, label: e.label, codec: "PCMU", muted: e.muted, speaking: false, packetsReceived: 0, bytesReceived: 0,
                packetsSent: 0, bytesSent: 0, packetsLost: 0, packetsDropped: 0, jitterMilliseconds: 0, jitterBufferDelayMilliseconds: 0,
                concealedFrames: 0, srtpFailures: 0, mode: e.mode)
        }
        return ConferenceStatistics(conference: conference, ticks: 0, lateTicks: 0, speakers: [], endpoints: list)
    }

    func load() async -> MCULoadReport {
        state.withLock { s in
            MCULoadReport(conferences: s.conferences.count, endpoints: s.conferences.values.reduce(0) { $0 + $1.count }, freePorts: 1_000, lateTicks: 0)
        }
    }

    // MARK: - Helpers

    /// Records the call, then throws the next failure queued for its operation, if any.
    private func record(_ call: MCUCall, failing operation: Operation) throws(MCUControlError) {
        let failure = state.withLock { s -> MCUControlError? in
            s.calls.append(call)
            guard var queued = s.failures[operation], !queued.isEmpty else { return nil }
            let first = queued.removeFirst()
            s.failures[operation] = queued
            return first
        }
        if let failure { throw failure }
    }

    private func takePort() -> Int {
        state.withLock { s in
            defer { s.nextPort += 2 }
            return s.nextPort
        }
    }

    /// The answer the real MCU would give (one codec per accepted line, our ports, fresh SDES keys), without sockets.
    private func answer(_ offerText: String, policy: SDPAnswerPolicy) throws(MCUControlError) -> AddEndpointResponse {
        let offer: SessionDescription
        do {
            offer = try SessionDescription(parsing: Array(offerText.utf8))
        } catch {
            throw MCUControlError(.notAcceptable, error.reason)
        }
        let answer: SDPAnswer
        do {
            answer = try SDPOfferAnswer.answer(
                offer: offer, policy: policy, localMedia: { _, _ in SDPLocalMedia(port: self.takePort()) },
                makeKey: { suite in Self.key(for: suite) })
        } catch {
            throw MCUControlError(.notAcceptable, error.reason)
        }
        let media = answer.media.map { m in
            EndpointMedia(
                type: m.type, accepted: m.accepted, localPort: 0, codec: m.codec, payloadType: m.payloadType, clockRate: m.clockRate,
                cryptoSuite: m.cryptoSuite, rejectionReason: m.rejectionReason)
        }
        return AddEndpointResponse(answer: answer.description.serialized, media: media)
    }

    /// SDES key parameters of the right length for a suite (RFC 4568, RFC 7714): random bytes, never used for media.
    private static func key(for suite: String) -> String? {
        let length: Int
        switch suite {
        case "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32": length = 30
        case "AEAD_AES_128_GCM": length = 28
        case "AEAD_AES_256_GCM": length = 44
        default: return nil
        }
        let bytes = (0..<length).map { _ in UInt8.random(in: 0...255) }
        return "inline:" + Data(bytes).base64EncodedString()
    }
}
