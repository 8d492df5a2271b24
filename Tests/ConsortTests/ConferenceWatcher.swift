import ConferenceInfo
import Foundation
import TestSupport

/// An RFC 4575 subscriber on a plain UDP socket, for a test that must decide when to refresh or end its subscription
/// (sipp's scenarios run on their own clock, and cannot wait for an event in another process, such as an MCU dying).
/// It reads only while the test waits on it (`waitForNotify`), answers every NOTIFY with 200 as it reads it (the
/// focus retransmits a NOTIFY not yet answered, and those are recognised by their CSeq), and rebuilds the roster from
/// the bodies with `ConferenceInfoSubscriber`.
final class ConferenceWatcher {
    /// One NOTIFY as received.
    struct Notify {
        var cseq: Int
        var subscriptionState: String
        /// The conference-info document, nil for a bodiless NOTIFY (the pending probe of an anonymous subscriber).
        var document: ConferenceInfoDocument?
        var received: ContinuousClock.Instant
    }

    let socket: RawUDPSocket
    let focusPort: Int
    let meeting: String
    private let callID = "watch-\(UUID().uuidString)"
    private let tag = String(UInt64.random(in: 1...UInt64.max), radix: 16)
    private var focusTag: String?
    private var target: String
    private var cseq = 0
    /// Every distinct NOTIFY so far, in order of arrival.
    private(set) var notifies: [Notify] = []
    /// Status codes of the responses to this watcher's SUBSCRIBEs, by CSeq.
    private(set) var responses: [Int: Int] = [:]
    /// The roster rebuilt from the NOTIFYs.
    private(set) var roster = ConferenceInfoSubscriber()
    /// What went wrong applying a body (a parse error, a version gap).
    private(set) var problems: [String] = []

    init(focusPort: Int, meeting: String) throws {
        socket = try RawUDPSocket()
        self.focusPort = focusPort
        self.meeting = meeting
        target = "sip:\(meeting)@127.0.0.1:\(focusPort)"
    }

    /// Sends SUBSCRIBE (the first opens the dialog; later ones refresh it, or end it with `expires: 0`).
    func subscribe(expires: Int = 120) {
        cseq += 1
        let to = "<sip:\(meeting)@127.0.0.1>" + (focusTag.map { ";tag=\($0)" } ?? "")
        socket.send(
            """
            SUBSCRIBE \(target) SIP/2.0
            Via: SIP/2.0/UDP 127.0.0.1:\(socket.port);branch=z9hG4bK-\(callID)-\(cseq);rport
            Max-Forwards: 70
            From: <sip:watcher@127.0.0.1>;tag=\(tag)
            To: \(to)
            Call-ID: \(callID)
            CSeq: \(cseq) SUBSCRIBE
            Contact: <sip:watcher@127.0.0.1:\(socket.port)>
            Event: conference
            Accept: application/conference-info+xml
            Expires: \(expires)
            Content-Length: 0


            """, port: focusPort)
    }

    /// The CSeq of the last SUBSCRIBE sent.
    var lastSubscribe: Int { cseq }

    /// Reads (and answers) until a NOTIFY received from now on satisfies `match`, or `timeout` seconds pass.
    func waitForNotify(timeout: Double, where match: (Notify) -> Bool) async -> Notify? {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1_000))
        while case let left = deadline - ContinuousClock.now, left > .zero {
            let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
            guard let text = await socket.receive(timeout: seconds) else { return nil }
            if let notify = take(text), match(notify) { return notify }
        }
        return nil
    }

    /// Handles one datagram; returns the NOTIFY it carried when it is a new one.
    private func take(_ text: String) -> Notify? {
        guard let cseqLine = headerValue("CSeq", in: text), let number = Int(cseqLine.split(separator: " ").first ?? "") else {
            return nil
        }
        if let status = statusCode(of: text) {
            guard cseqLine.hasSuffix("SUBSCRIBE") else { return nil }
            responses[number] = status
            if (200..<300).contains(status) {
                if focusTag == nil, let to = headerValue("To", in: text), let range = to.range(of: ";tag=") {
                    focusTag = String(to[range.upperBound...].prefix { $0 != ";" && $0 != ">" })
                }
                if let contact = headerValue("Contact", in: text), let open = contact.firstIndex(of: "<"),
                    let close = contact.firstIndex(of: ">"), open < close
                {
                    target = String(contact[contact.index(after: open)..<close])
                }
            }
            return nil
        }
        guard text.hasPrefix("NOTIFY ") else { return nil }
        answer(text)
        guard !notifies.contains(where: { $0.cseq == number }) else { return nil }
        var document: ConferenceInfoDocument?
        if let split = text.range(of: "\r\n\r\n") {
            let body = text[split.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
            if !body.isEmpty {
                do {
                    let parsed = try ConferenceInfoDocument(xml: body)
                    document = parsed
                    let outcome = roster.receive(parsed)
                    if outcome != .applied { problems.append("NOTIFY \(number): \(outcome)") }
                } catch {
                    problems.append("NOTIFY \(number): \(error)")
                }
            }
        }
        let notify = Notify(
            cseq: number, subscriptionState: headerValue("Subscription-State", in: text) ?? "", document: document,
            received: .now)
        notifies.append(notify)
        return notify
    }

    /// 200 OK to a NOTIFY: its Via, From, To, Call-ID and CSeq lines as received.
    private func answer(_ request: String) {
        let copied = ["via", "v", "from", "f", "to", "t", "call-id", "i", "cseq"]
        let head = request.components(separatedBy: "\r\n\r\n").first ?? ""
        let lines = head.components(separatedBy: "\r\n").dropFirst().filter { line in
            guard let colon = line.firstIndex(of: ":") else { return false }
            return copied.contains(line[..<colon].trimmingCharacters(in: .whitespaces).lowercased())
        }
        socket.send((["SIP/2.0 200 OK"] + lines + ["Content-Length: 0", "", ""]).joined(separator: "\n"), port: focusPort)
    }
}
