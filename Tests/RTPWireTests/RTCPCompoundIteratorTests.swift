import RTPWire
import Testing

@Suite("RTCP compound packets (RFC 3550 §6.1, A.2)")
struct RTCPCompoundIteratorTests {
    let receiverReport = rtcpPacket(count: 0, type: 201, body: be32(1))
    let sdes = rtcpPacket(count: 1, type: 202, body: be32(1) + [1, 2, 0x61, 0x62] + [0, 0, 0, 0])
    let pli = rtcpPacket(count: 1, type: 206, body: be32(1) + be32(2))
    let remb = rtcpPacket(count: 15, type: 206, body: be32(1) + be32(0) + Array("REMB".utf8) + [1, 0, 0, 0] + be32(2))

    /// Collects every packet of `bytes`, and whether the iterator stopped on malformed input.
    func walk(_ bytes: [UInt8]) -> (packets: [RTCPPacket], malformed: Bool) {
        withPacket(bytes) { packet in
            var iterator = RTCPCompoundIterator(packet: packet)
            var packets: [RTCPPacket] = []
            while let next = iterator.next() { packets.append(next) }
            return (packets, iterator.isMalformed)
        }
    }

    @Test("§6.1: RR + SDES + PLI + an unknown feedback format are yielded in order")
    func walksCompound() {
        let result = walk(receiverReport + sdes + pli + remb)
        #expect(!result.malformed)
        #expect(result.packets.count == 4)
        guard result.packets.count == 4 else { return }
        if case .receiverReport(let report) = result.packets[0] { #expect(report.ssrc == 1) } else { Issue.record("not RR") }
        if case .sourceDescription = result.packets[1] {} else { Issue.record("not SDES") }
        #expect(result.packets[2] == .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 2)))
        if case .other(let header) = result.packets[3] {
            #expect(header.packetType == 206 && header.count == 15)
        } else {
            Issue.record("not other")
        }
    }

    @Test("A.2: a length that runs past the datagram stops the walk as malformed")
    func stopsOnOverrun() {
        var bytes = receiverReport + sdes
        bytes[receiverReport.count + 3] += 1
        let result = walk(bytes)
        #expect(result.packets.count == 1)
        #expect(result.malformed)
    }

    @Test("A.2: trailing bytes shorter than a header make the compound malformed")
    func stopsOnTrailingBytes() {
        let result = walk(receiverReport + [0x80, 201])
        #expect(result.packets.count == 1)
        #expect(result.malformed)
    }

    @Test("A.2: version other than 2 is malformed")
    func stopsOnVersion() {
        var bytes = receiverReport + sdes
        bytes[receiverReport.count] = 0x40 | 1
        #expect(walk(bytes).malformed)
        #expect(walk([]).malformed)
    }

    @Test("§6.4.1: padding (last octet counts itself) is excluded from the body")
    func padding() throws {
        let padded: [UInt8] = [0xA0, 201, 0, 2] + be32(7) + [0, 0, 0, 4]
        try withPacket(padded) { packet in
            let header = try #require(RTCPCommonHeader(parsing: packet, at: 0))
            #expect(header.hasPadding)
            #expect(header.bodyRange == 4..<8)
        }
        #expect(walk([0xA0, 201, 0, 1] + be32(0)).malformed)
        #expect(walk([0xA0, 201, 0, 1] + be32(9)).malformed)
    }

    @Test("A.2: a valid compound starts with SR or RR and only its last packet is padded")
    func validCompound() {
        let paddedLast: [UInt8] = [0xA1, 206, 0, 3] + be32(1) + be32(2) + [0, 0, 0, 4]
        #expect(withPacket(receiverReport + sdes) { RTCPCompoundIterator.isValidCompound($0) })
        #expect(withPacket(receiverReport + paddedLast) { RTCPCompoundIterator.isValidCompound($0) })
        #expect(!withPacket(paddedLast + receiverReport) { RTCPCompoundIterator.isValidCompound($0) })
        #expect(!withPacket(sdes + receiverReport) { RTCPCompoundIterator.isValidCompound($0) })
        // RFC 5506 reduced-size: a lone PLI still iterates, but is not an A.2 compound.
        #expect(walk(pli).packets.count == 1)
        #expect(!withPacket(pli) { RTCPCompoundIterator.isValidCompound($0) })
    }

    @Test("§6.1: writers concatenate into one compound packet that walks back")
    func writeCompound() throws {
        var storage = [UInt8](repeating: 0, count: 256)
        let total = storage.withUnsafeMutableBytes { buffer -> Int? in
            var offset = 0
            let rr = RTCPReceiverReportWriter(ssrc: 5, reportBlocks: EmptyCollection<RTCPReportBlock>())
            guard let a = rr.write(into: UnsafeMutableRawBufferPointer(rebasing: buffer[offset...])) else { return nil }
            offset += a
            let sdes = RTCPSourceDescriptionWriter(ssrc: 5, cname: "mcu@consort")
            guard let b = sdes.write(into: UnsafeMutableRawBufferPointer(rebasing: buffer[offset...])) else { return nil }
            offset += b
            let bye = RTCPGoodbyeWriter(sources: CollectionOfOne(UInt32(5)), reason: nil)
            guard let c = bye.write(into: UnsafeMutableRawBufferPointer(rebasing: buffer[offset...])) else { return nil }
            return offset + c
        }
        let count = try #require(total)
        let bytes = Array(storage[0..<count])
        let result = walk(bytes)
        #expect(!result.malformed)
        #expect(result.packets.count == 3)
        #expect(withPacket(bytes) { RTCPCompoundIterator.isValidCompound($0) })
    }
}
