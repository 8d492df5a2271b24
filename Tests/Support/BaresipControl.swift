/// The client side of baresip's `ctrl_tcp` module: JSON objects in netstrings over one TCP connection.
///
///     request:  <len>:{"command":"dial","params":"sip:b@127.0.0.1:5062","token":"3"},
///     response: <len>:{"response":true,"ok":true,"data":"","token":"3"},
///     event:    <len>:{"event":true,"type":"CALL_ESTABLISHED","class":"call","peeruri":"sip:...","id":"...",...},
///
/// Commands are baresip's long commands (the `menu` module registers `dial`, `hangup`, `accept`, `quit`, ...). Events
/// arrive unasked on the same connection; they are read only while a caller waits (no reader thread), and kept in order.
public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One event baresip reported (`ua_event` types such as CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED).
public struct BaresipEvent: Sendable, CustomStringConvertible {
    /// The event type, e.g. "CALL_ESTABLISHED".
    public var type: String
    /// The remote party's URI, when the event concerns a call.
    public var peerURI: String?
    /// The event's parameter (for CALL_CLOSED: the reason).
    public var parameter: String?
    /// When the harness read it.
    public var received: Date

    public var description: String { "\(type) \(peerURI ?? "") \(parameter ?? "")" }
}

/// Why talking to a baresip instance failed.
public struct BaresipError: Error, CustomStringConvertible {
    /// What went wrong, for a person (with the log's tail where it helps).
    public var reason: String
    public var description: String { reason }
}

/// A connection to one baresip's ctrl_tcp port.
final class BaresipControl {
    private var fd: Int32 = -1
    private var buffer = [UInt8]()
    private var nextToken = 1
    private var responses = [String: (ok: Bool, data: String)]()
    /// Every event read so far, oldest first.
    private(set) var events = [BaresipEvent]()

    /// Connects to 127.0.0.1:`port`, retrying until `deadline` (baresip opens the port once its modules are loaded).
    init(port: Int, until deadline: Date, isAlive: () -> Bool) throws {
        while true {
            let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            if connected { fd = s; return }
            Glibc.close(s)
            guard isAlive() else { throw BaresipError(reason: "baresip exited before its control port \(port) opened") }
            guard Date() < deadline else { throw BaresipError(reason: "baresip's control port \(port) did not open in time") }
            usleep(50_000)
        }
    }

    deinit { close() }

    /// Closes the connection (idempotent).
    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends a long command and waits for its response; returns the response's data text, throws when baresip says no.
    @discardableResult
    func command(_ name: String, _ parameters: String = "", timeout: TimeInterval = 5) throws -> String {
        let token = String(nextToken)
        nextToken += 1
        let object: [String: String] = ["command": name, "params": parameters, "token": token]
        let json = try JSONSerialization.data(withJSONObject: object)
        let frame = Array("\(json.count):".utf8) + [UInt8](json) + Array(",".utf8)
        let sent = frame.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == frame.count else { throw BaresipError(reason: "cannot send '\(name)' to baresip (connection closed?)") }
        let deadline = Date().addingTimeInterval(timeout)
        while responses[token] == nil {
            guard pump(until: deadline) else { throw BaresipError(reason: "no answer from baresip to '\(name) \(parameters)'") }
        }
        let response = responses.removeValue(forKey: token)!
        guard response.ok else { throw BaresipError(reason: "baresip refused '\(name) \(parameters)': \(response.data)") }
        return response.data
    }

    /// Reads until an event at index `from` or later satisfies `match`, or `deadline`; returns it.
    func waitForEvent(from: Int, until deadline: Date, _ match: (BaresipEvent) -> Bool) -> BaresipEvent? {
        var checked = from
        while true {
            while checked < events.count {
                if match(events[checked]) { return events[checked] }
                checked += 1
            }
            guard pump(until: deadline) else { return nil }
        }
    }

    /// Reads whatever is waiting, for up to `seconds` (keeps the event list current).
    func drain(seconds: TimeInterval = 0) {
        let deadline = Date().addingTimeInterval(seconds)
        while pump(until: deadline) {}
    }

    /// Reads once (waiting at most until `deadline`) and parses every complete netstring; false on time-out or close.
    private func pump(until deadline: Date) -> Bool {
        guard fd >= 0 else { return false }
        let wait = max(0, Int32(deadline.timeIntervalSinceNow * 1000))
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, wait) > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { close(); return false }
        buffer.append(contentsOf: chunk[0..<n])
        parseFrames()
        return true
    }

    private func parseFrames() {
        while let colon = buffer.firstIndex(of: UInt8(ascii: ":")) {
            guard let length = Int(String(decoding: buffer[0..<colon], as: UTF8.self)) else {
                buffer.removeAll()  // out of step: drop and resynchronise on the next read
                return
            }
            let end = colon + 1 + length
            guard buffer.count > end else { return }
            let body = Data(buffer[(colon + 1)..<end])
            buffer.removeFirst(end + 1)
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { continue }
            if object["response"] as? Bool == true, let token = object["token"] as? String {
                responses[token] = (object["ok"] as? Bool ?? false, object["data"] as? String ?? "")
            } else if object["event"] as? Bool == true, let type = object["type"] as? String {
                events.append(BaresipEvent(
                    type: type, peerURI: object["peeruri"] as? String, parameter: object["param"] as? String, received: Date()))
            }
        }
    }
}
