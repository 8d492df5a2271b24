/// The few DNS messages (RFC 1035 §4) a SIP client needs to locate a server (RFC 3263): a query for one name and type,
/// and the SRV (RFC 2782) and A records of the answer. Pure parsing with bounds checks: a malformed answer yields
/// nothing, never a trap.
///
///     +---------------------+
///     |        Header       |  ID, flags, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT (16 bits each)
///     +---------------------+
///     |       Question      |  QNAME (labels), QTYPE, QCLASS
///     +---------------------+
///     |        Answer       |  NAME, TYPE, CLASS, TTL (32), RDLENGTH, RDATA
///     +---------------------+
enum DNSMessage {
    static let typeA: UInt16 = 1
    static let typeSRV: UInt16 = 33

    /// A service record: where `_sip._udp.example.com` is served.
    struct ServiceRecord: Equatable, Sendable {
        var priority: UInt16
        var weight: UInt16
        var port: UInt16
        var target: String
    }

    /// A recursive query for `name` and `type`, class IN; nil when a label is empty or longer than 63 bytes.
    static func query(id: UInt16, name: String, type: UInt16) -> [UInt8]? {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        for label in trimmed.split(separator: ".", omittingEmptySubsequences: false) {
            let utf8 = Array(label.utf8)
            guard !utf8.isEmpty, utf8.count <= 63 else { return nil }
            bytes.append(UInt8(utf8.count))
            bytes += utf8
        }
        bytes.append(0)
        bytes += [UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
        return bytes.count <= 512 ? bytes : nil
    }

    /// The answer records of `type` in a response to query `id`: (rdata offset, rdata length) pairs, or nil when the
    /// message is not such a response or is malformed.
    static func answers(in message: [UInt8], id: UInt16, type: UInt16) -> [(offset: Int, length: Int)]? {
        guard message.count >= 12, u16(message, 0) == id, message[2] & 0x80 != 0 else { return nil }
        guard message[3] & 0x0F == 0 else { return [] }  // RCODE: NXDOMAIN and friends mean no records
        guard let questions = u16(message, 4), let answerCount = u16(message, 6) else { return nil }
        var offset = 12
        for _ in 0..<questions {
            guard let end = skipName(message, offset), end + 4 <= message.count else { return nil }
            offset = end + 4
        }
        var found: [(Int, Int)] = []
        for _ in 0..<answerCount {
            guard let end = skipName(message, offset), end + 10 <= message.count,
                let recordType = u16(message, end), let length = u16(message, end + 8)
            else { return nil }
            let rdata = end + 10
            guard rdata + Int(length) <= message.count else { return nil }
            if recordType == type { found.append((rdata, Int(length))) }
            offset = rdata + Int(length)
        }
        return found
    }

    /// SRV records of an answer.
    static func serviceRecords(in message: [UInt8], id: UInt16) -> [ServiceRecord]? {
        answers(in: message, id: id, type: typeSRV)?.compactMap { offset, length in
            guard length >= 7, let priority = u16(message, offset), let weight = u16(message, offset + 2),
                let port = u16(message, offset + 4), let target = readName(message, offset + 6)
            else { return nil }
            return ServiceRecord(priority: priority, weight: weight, port: port, target: target)
        }
    }

    /// IPv4 addresses of an answer, dotted.
    static func addresses(in message: [UInt8], id: UInt16) -> [String]? {
        answers(in: message, id: id, type: typeA)?.compactMap { offset, length in
            guard length == 4 else { return nil }
            return message[offset..<offset + 4].map(String.init).joined(separator: ".")
        }
    }

    // MARK: - Names (RFC 1035 §4.1.4, with compression pointers)

    /// The offset after a name that starts at `offset`.
    static func skipName(_ m: [UInt8], _ start: Int) -> Int? {
        var offset = start
        while offset < m.count {
            let length = m[offset]
            if length == 0 { return offset + 1 }
            if length & 0xC0 == 0xC0 { return offset + 2 <= m.count ? offset + 2 : nil }
            guard length & 0xC0 == 0 else { return nil }
            offset += 1 + Int(length)
        }
        return nil
    }

    /// The name at `offset`, following at most 16 compression pointers.
    static func readName(_ m: [UInt8], _ start: Int) -> String? {
        var labels: [String] = []
        var offset = start
        var jumps = 0
        while offset < m.count {
            let length = m[offset]
            if length == 0 { return labels.isEmpty ? "." : labels.joined(separator: ".") }
            if length & 0xC0 == 0xC0 {
                guard offset + 1 < m.count, jumps < 16 else { return nil }
                offset = Int(length & 0x3F) << 8 | Int(m[offset + 1])
                jumps += 1
                continue
            }
            guard length & 0xC0 == 0, offset + 1 + Int(length) <= m.count else { return nil }
            labels.append(String(decoding: m[(offset + 1)..<(offset + 1 + Int(length))], as: UTF8.self))
            offset += 1 + Int(length)
        }
        return nil
    }

    static func u16(_ m: [UInt8], _ offset: Int) -> UInt16? {
        guard offset >= 0, offset + 2 <= m.count else { return nil }
        return UInt16(m[offset]) << 8 | UInt16(m[offset + 1])
    }
}
