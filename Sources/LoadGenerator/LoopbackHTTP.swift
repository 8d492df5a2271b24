import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The smallest HTTP/1.0 client that Janus's API needs: one request per TCP connection to 127.0.0.1, JSON in and
/// out, a receive time limit. Loopback only by construction: it takes a port, never a host.
struct LoopbackHTTP: Sendable {
    let port: Int

    /// Sends `method path` with an optional JSON body and returns the decoded JSON object of the response.
    func json(_ method: String, _ path: String, body: [String: Any]? = nil, timeout: Double = 10) throws -> [String: Any] {
        guard let dictionary = try value(method, path, body: body, timeout: timeout) as? [String: Any] else {
            throw LoadGeneratorError("Janus HTTP: the body of \(method) \(path) is not a JSON object")
        }
        return dictionary
    }

    /// Sends `method path` and returns the decoded JSON value of the response (an object or an array).
    func value(_ method: String, _ path: String, body: [String: Any]? = nil, timeout: Double = 10) throws -> Any {
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        var request = "\(method) \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if body != nil { request += "Content-Type: application/json\r\nContent-Length: \(payload.count)\r\n" }
        request += "\r\n"
        let response = try exchange(Array(request.utf8) + Array(payload), timeout: timeout)
        guard let split = response.firstRange(of: Data("\r\n\r\n".utf8)) else {
            throw LoadGeneratorError("Janus HTTP: no header end in a \(response.count)-byte response to \(method) \(path)")
        }
        let status = String(decoding: response[..<split.lowerBound], as: UTF8.self).split(separator: " ").dropFirst().first ?? "?"
        guard status == "200" else { throw LoadGeneratorError("Janus HTTP: \(method) \(path) answered \(status)") }
        return try JSONSerialization.jsonObject(with: response[split.upperBound...])
    }

    private func exchange(_ bytes: [UInt8], timeout: Double) throws -> Data {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoadGeneratorError("cannot open a TCP socket") }
        defer { close(fd) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw LoadGeneratorError("cannot connect to Janus at 127.0.0.1:\(port): \(String(cString: strerror(errno)))") }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw LoadGeneratorError("Janus HTTP: send failed") }
            sent += n
        }
        var response = Data()
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else { throw LoadGeneratorError("Janus HTTP: no complete response within \(timeout) s") }
            response.append(contentsOf: chunk[0..<n])
        }
        return response
    }
}
