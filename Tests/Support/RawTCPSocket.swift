import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection for tests that play a peer holding connections open, sending half a message, or going quiet.
public final class RawTCPSocket: @unchecked Sendable {  // used by one test at a time
    private let fd: Int32

    /// Connects from `source` (any loopback address plays another host) to 127.0.0.1:`port`.
    public init(from source: String, port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CocoaError(.fileReadUnknown) }
        var local = RawUDPSocket.address(source, port: 0)
        var remote = RawUDPSocket.address("127.0.0.1", port: port)
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, size) } }
        guard bound == 0, connected == 0 else {
            close(fd)
            throw CocoaError(.fileWriteUnknown)
        }
        self.fd = fd
    }

    deinit { close(fd) }

    public func send(_ text: String) {
        let bytes = Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// What arrives within `timeout` seconds: text, "" when the server closed the connection, nil when nothing came.
    public func receive(timeout: Double) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1_000)) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 { return "" }
        return String(decoding: buffer.prefix(count), as: UTF8.self)
    }

    /// What arrives within `timeout` seconds, waiting off the cooperative pool.
    public func received(timeout: Double) async -> String? {
        await offPool { self.receive(timeout: timeout) }
    }

    /// Whether the server closes the connection within `seconds` (anything it sends first is skipped).
    public func closed(within seconds: Double) async -> Bool {
        await offPool { self.blockingClosed(within: seconds) }
    }

    private func blockingClosed(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while case let left = deadline.timeIntervalSinceNow, left > 0 {
            if receive(timeout: left) == "" { return true }
        }
        return false
    }
}
