import Logging
import NIOCore
import NIOEmbedded
import Synchronization
@testable import SIP
import SIPWire

/// Records what the stack sends instead of putting it on a socket.
final class RecordingTransmitter: SIPTransmitter, @unchecked Sendable {
    let loop: EmbeddedEventLoop
    private(set) var sent: [(message: SIPMessage, peer: SIPPeer)] = []
    /// Every message as text, including ones that do not parse back (e.g. an error answer echoing a bad CSeq).
    private(set) var raw: [String] = []

    init(loop: EmbeddedEventLoop) { self.loop = loop }

    func send(_ bytes: ByteBuffer, to peer: SIPPeer) -> EventLoopFuture<Void> {
        raw.append(String(decoding: bytes.readableBytesView, as: UTF8.self))
        if case .success(let message) = SIPMessageParser.parseDatagram(Array(bytes.readableBytesView)) {
            sent.append((message, peer))
        }
        return loop.makeSucceededFuture(())
    }

    var requests: [SIPRequest] { sent.compactMap { if case .request(let r) = $0.message { r } else { nil } } }
    var responses: [SIPResponse] { sent.compactMap { if case .response(let r) = $0.message { r } else { nil } } }
    func clear() {
        sent.removeAll()
        raw.removeAll()
    }
}

/// A stack on an EmbeddedEventLoop: time moves only when the test says so, so RFC 3261 timers can be checked exactly.
struct StackHarness {
    let loop = EmbeddedEventLoop()
    let stack: SIPStack
    let wire: RecordingTransmitter
    let peer = SIPPeer(transport: .udp, address: try! SocketAddress(ipAddress: "127.0.0.1", port: 5070))

    init(configure: (inout SIPConfiguration) -> Void = { _ in }) {
        var configuration = SIPConfiguration()
        configuration.address = "127.0.0.1"
        configuration.port = 5060
        configure(&configuration)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        stack = SIPStack(eventLoop: loop, configuration: configuration, logger: logger)
        wire = RecordingTransmitter(loop: loop)
        stack.transmitter = wire
        // INVITEs wait for the test to answer them through `stack.respond`; other methods get the stack's defaults.
        stack.synchronousCore = { $0.request.method == .invite }
    }

    /// Delivers raw message text (lines joined with CRLF) as if from `peer`.
    func deliver(_ text: String, from: SIPPeer? = nil) {
        let bytes = Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        bytes.withUnsafeBytes { stack.receive(datagram: $0, from: from ?? peer) }
    }

    func advance(_ amount: TimeAmount) { loop.advanceTime(by: amount) }

    static func request(
        _ method: String, branch: String = "z9hG4bK-test-1", cseq: Int = 1, toTag: String? = nil, callID: String = "call-1@test",
        extra: String = "", body: String = ""
    ) -> String {
        let to = toTag.map { "<sip:room1@127.0.0.1>;tag=\($0)" } ?? "<sip:room1@127.0.0.1>"
        return """
            \(method) sip:room1@127.0.0.1:5060 SIP/2.0
            Via: SIP/2.0/UDP 127.0.0.1:5070;branch=\(branch)
            Max-Forwards: 70
            From: <sip:alice@127.0.0.1>;tag=alice-tag
            To: \(to)
            Call-ID: \(callID)
            CSeq: \(cseq) \(method)
            Contact: <sip:alice@127.0.0.1:5070>
            \(extra.isEmpty ? "" : extra + "\n")Content-Length: \(body.utf8.count)

            \(body)
            """
    }
}
