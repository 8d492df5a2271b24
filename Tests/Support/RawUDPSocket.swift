import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A plain UDP socket for tests that play a peer the stack's own client would never be: one that sends hand-made
/// requests, never answers, or sends from another loopback address (127.0.0.2 standing for another host). Waiting
/// happens on a Dispatch thread, never on the cooperative pool the stack's handlers need (2 threads on 2 cores).
public final class RawUDPSocket: @unchecked Sendable {  // used by one test at a time

    private let fd: Int32
    /// The port the socket is bound to.
    public let port: Int
    /// Bytes sent and received so far.
    public private(set) var bytesSent = 0
    public private(set) var bytesReceived = 0

    public init(address: String = "127.0.0.1") throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw CocoaError(.fileReadUnknown) }
        var addr = Self.address(address, port: 0)
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else {
            close(fd)
            throw CocoaError(.fileWriteUnknown)
        }
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        self.fd = fd
        port = Int(UInt16(bigEndian: bound.sin_port))
    }

    deinit { close(fd) }

    static func address(_ host: String, port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, host, &addr.sin_addr)
        return addr
    }

    /// Sends `text` (lines joined with CRLF when `crlf`) to host:port.
    public func send(_ text: String, to host: String = "127.0.0.1", port: Int, crlf: Bool = true) {
        let bytes = Array((crlf ? text.replacingOccurrences(of: "\n", with: "\r\n") : text).utf8)
        var addr = Self.address(host, port: port)
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        if sent > 0 { bytesSent += sent }
    }

    /// The next datagram within `timeout` seconds, as text, or nil.
    public func receive(timeout: Double) async -> String? {
        await offPool { self.blockingReceive(timeout: timeout) }
    }

    /// Every datagram that arrives within `seconds`, as text.
    public func drain(seconds: Double) async -> [String] {
        await offPool { self.blockingDrain(seconds: seconds) }
    }

    /// The first datagram within `timeout` whose text satisfies `match`.
    public func receive(timeout: Double, where match: @escaping @Sendable (String) -> Bool) async -> String? {
        await offPool { self.blockingReceive(timeout: timeout, where: match) }
    }

    private func blockingReceive(timeout: Double) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1_000)) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        bytesReceived += count
        return String(decoding: buffer.prefix(count), as: UTF8.self)
    }

    private func blockingDrain(seconds: Double) -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        var out: [String] = []
        while case let left = deadline.timeIntervalSinceNow, left > 0 {
            if let text = blockingReceive(timeout: left) { out.append(text) }
        }
        return out
    }

    private func blockingReceive(timeout: Double, where match: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while case let left = deadline.timeIntervalSinceNow, left > 0 {
            if let text = blockingReceive(timeout: left), match(text) { return text }
        }
        return nil
    }
}

/// Runs a blocking wait on a Dispatch thread.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: body()) }
    }
}

/// The value of header `name` in a message's text.
public func headerValue(_ name: String, in message: String) -> String? {
    for line in message.components(separatedBy: "\r\n") {
        guard let colon = line.firstIndex(of: ":") else { continue }
        if line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == name.lowercased() {
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }
    return nil
}

/// The status code of a response's text.
public func statusCode(of message: String) -> Int? {
    guard message.hasPrefix("SIP/2.0 ") else { return nil }
    return Int(message.dropFirst(8).prefix(3))
}
