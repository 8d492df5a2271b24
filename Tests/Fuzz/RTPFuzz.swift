// libFuzzer entry for the RTP side of RTPWire: header parse, every extension element id, audio
// level, CSRCs, reception statistics, and a write-then-parse round trip. Not a SwiftPM target;
// built with swiftc together with Sources/RTPWire (see Tests/Fuzz/README.md).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let packet = UnsafeRawBufferPointer(start: data, count: size)
    if let header = RTPHeader(parsing: packet) {
        check(header.payloadRange.lowerBound >= 0 && header.payloadRange.upperBound <= size)
        check(header.extensionRange.upperBound <= header.payloadRange.lowerBound)
        for index in -1...16 {
            _ = header.csrc(index, in: packet)
        }
        for id in UInt8(0)...UInt8(255) {
            if let range = header.extensionElement(id: id, in: packet) {
                check(range.lowerBound >= header.extensionRange.lowerBound)
                check(range.upperBound <= header.extensionRange.upperBound)
            }
            _ = header.audioLevel(extensionID: id, in: packet)
        }
        // A header parsed from the tail of the packet must not read outside it either.
        _ = header.extensionElement(id: 1, in: UnsafeRawBufferPointer(rebasing: packet.prefix(size / 2)))
        roundTrip(header, packet: packet)
    }
    feedStatistics(packet)
    return 0
}

// Writes a header with the parsed fields (plus the first CSRCs and an audio level) and parses it back.
private func roundTrip(_ header: RTPHeader, packet: UnsafeRawBufferPointer) {
    var writer = RTPHeaderWriter(
        payloadType: header.payloadType, sequenceNumber: header.sequenceNumber,
        timestamp: header.timestamp, ssrc: header.ssrc, marker: header.marker)
    if let byte = packet.last {
        writer.audioLevel = AudioLevel(wireByte: byte)
        writer.audioLevelExtensionID = 1 + byte % 14
    }
    let csrcCount = min(header.csrcCount, 4)
    for index in 0..<csrcCount {
        guard let csrc = header.csrc(index, in: packet) else { continue }
        writer.csrcs.append(csrc)
    }
    withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { buffer in
        let small = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(packet.count, 128)])
        if let written = writer.write(into: small) {
            check(written == writer.encodedSize)
        }
        guard let written = writer.write(into: buffer) else {
            check(false)
            return
        }
        let reparsed = RTPHeader(parsing: UnsafeRawBufferPointer(rebasing: buffer[0..<written]))
        check(reparsed?.sequenceNumber == header.sequenceNumber)
        check(reparsed?.ssrc == header.ssrc)
        check(reparsed?.csrcCount == writer.csrcs.count)
        if let level = writer.audioLevel, let reparsed {
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<written])
            check(reparsed.audioLevel(extensionID: writer.audioLevelExtensionID, in: bytes) == level)
        }
    }
}

// Drives A.1/A.8 with (sequence, timestamp, arrival) triples taken from the input.
private func feedStatistics(_ packet: UnsafeRawBufferPointer) {
    var statistics = RTPReceptionStatistics(clockRate: 48_000)
    var offset = 0
    while offset + 10 <= packet.count {
        let sequence = UInt16(packet[offset]) << 8 | UInt16(packet[offset + 1])
        let timestamp = packet.loadUnaligned(fromByteOffset: offset + 2, as: UInt32.self)
        let arrival = packet.loadUnaligned(fromByteOffset: offset + 6, as: UInt32.self)
        _ = statistics.received(sequenceNumber: sequence, timestamp: timestamp, arrival: arrival)
        offset += 10
    }
    let block = statistics.makeReportBlock(ssrc: 1, lastSR: 2, delaySinceLastSR: 3)
    check((-0x80_0000...0x7F_FFFF).contains(block.cumulativeLost))
    _ = statistics.makeReportBlock(ssrc: 1, lastSR: 2, delaySinceLastSR: 3)
}

// A failed invariant is a finding: crash so libFuzzer saves the input.
private func check(_ condition: Bool, line: UInt = #line) {
    if !condition { fatalError("RTP fuzz invariant failed at line \(line)") }
}
