// libFuzzer entry for the RTCP side of RTPWire: the compound iterator, every typed view and its
// accessors, RFC 3550 A.2 validation, and write-then-parse round trips through every writer.
// Not a SwiftPM target; built with swiftc together with Sources/RTPWire (see Tests/Fuzz/README.md).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let packet = UnsafeRawBufferPointer(start: data, count: size)
    _ = RTCPCompoundIterator.isValidCompound(packet)
    var iterator = RTCPCompoundIterator(packet: packet)
    var previousEnd = 0
    while let parsed = iterator.next() {
        check(iterator.offset > previousEnd && iterator.offset <= size)
        previousEnd = iterator.offset
        visit(parsed, in: packet)
    }
    check(iterator.isMalformed || iterator.offset == size)
    // Every offset, not only packet boundaries: a header parsed anywhere must stay in bounds.
    for offset in stride(from: 0, to: min(size, 64), by: 1) {
        if let header = RTCPCommonHeader(parsing: packet, at: offset), let parsed = RTCPPacket(header, in: packet) {
            visit(parsed, in: packet)
        }
    }
    return 0
}

private func visit(_ parsed: RTCPPacket, in packet: UnsafeRawBufferPointer) {
    switch parsed {
    case .senderReport(let report):
        var blocks: [RTCPReportBlock] = []
        for block in report.reportBlocks.elements(in: packet) { blocks.append(block) }
        check(blocks.count == report.reportBlocks.count)
        _ = report.reportBlocks.element(-1, in: packet)
        _ = report.reportBlocks.element(report.reportBlocks.count, in: packet)
        roundTrip(RTCPSenderReportWriter(
            ssrc: report.ssrc, ntpTimestamp: report.ntpTimestamp, rtpTimestamp: report.rtpTimestamp,
            senderPacketCount: report.senderPacketCount, senderOctetCount: report.senderOctetCount,
            reportBlocks: blocks).write(into:)) { header, buffer in
            guard case .senderReport(let again) = RTCPPacket(header, in: buffer) else { return false }
            return again.ssrc == report.ssrc && again.ntpTimestamp == report.ntpTimestamp
                && Array(again.reportBlocks.elements(in: buffer)) == blocks
        }
    case .receiverReport(let report):
        let blocks = Array(report.reportBlocks.elements(in: packet))
        check(blocks.count == report.reportBlocks.count)
        roundTrip(RTCPReceiverReportWriter(ssrc: report.ssrc, reportBlocks: blocks).write(into:)) { header, buffer in
            guard case .receiverReport(let again) = RTCPPacket(header, in: buffer) else { return false }
            return again.ssrc == report.ssrc && Array(again.reportBlocks.elements(in: buffer)) == blocks
        }
    case .sourceDescription(let description):
        var chunks = 0
        for chunk in description.chunks(in: packet) {
            chunks += 1
            for item in chunk.items(in: packet) {
                check(item.valueRange.upperBound <= chunk.itemsRange.upperBound)
            }
            guard let cname = chunk.item(RTCPSDESItemType.cname, in: packet) else { continue }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: packet[cname.valueRange]), as: UTF8.self)
            roundTrip(RTCPSourceDescriptionWriter(ssrc: chunk.ssrc, cname: text).write(into:)) { header, buffer in
                guard case .sourceDescription(let again) = RTCPPacket(header, in: buffer),
                      let range = again.cname(for: chunk.ssrc, in: buffer)
                else { return false }
                return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[range]), as: UTF8.self) == text
            }
        }
        check(chunks == description.chunkCount)
        _ = description.cname(in: packet)
    case .goodbye(let goodbye):
        let sources = Array(goodbye.sources.elements(in: packet))
        check(sources.count == goodbye.sources.count)
        let reason = goodbye.reasonRange.map {
            String(decoding: UnsafeRawBufferPointer(rebasing: packet[$0]), as: UTF8.self)
        }
        roundTrip(RTCPGoodbyeWriter(sources: sources, reason: reason).write(into:)) { header, buffer in
            guard case .goodbye(let again) = RTCPPacket(header, in: buffer) else { return false }
            return Array(again.sources.elements(in: buffer)) == sources
        }
    case .applicationDefined(let application):
        let bytes = Array(UnsafeRawBufferPointer(rebasing: packet[application.dataRange]))
        let writer = RTCPApplicationDefinedWriter(
            subtype: application.subtype, ssrc: application.ssrc, name: application.name, data: bytes)
        roundTrip(writer.write(into:)) { header, buffer in
            guard case .applicationDefined(let again) = RTCPPacket(header, in: buffer) else { return false }
            return again.name == application.name && Array(UnsafeRawBufferPointer(rebasing: buffer[again.dataRange])) == bytes
        }
    case .genericNACK(let nack):
        let lost = Array(nack.lostSequenceNumbers(in: packet))
        check(lost.count >= nack.pairs.count)
        roundTrip(RTCPGenericNACKWriter(
            senderSSRC: nack.senderSSRC, mediaSSRC: nack.mediaSSRC, lostSequenceNumbers: lost).write(into:)
        ) { header, buffer in
            guard case .genericNACK(let again) = RTCPPacket(header, in: buffer) else { return false }
            // Re-folding may merge entries, so compare the sets of lost numbers.
            return Set(again.lostSequenceNumbers(in: buffer)) == Set(lost)
        }
    case .pictureLossIndication(let pli):
        roundTrip(pli.write(into:)) { header, buffer in
            RTCPPacket(header, in: buffer) == .pictureLossIndication(pli)
        }
    case .fullIntraRequest(let fir):
        let entries = Array(fir.entries.elements(in: packet))
        check(entries.count == fir.entries.count)
        if let first = entries.first { check(fir.entry(for: first.ssrc, in: packet) != nil) }
        roundTrip(RTCPFullIntraRequestWriter(senderSSRC: fir.senderSSRC, entries: entries).write(into:)) { header, buffer in
            guard case .fullIntraRequest(let again) = RTCPPacket(header, in: buffer) else { return false }
            return Array(again.entries.elements(in: buffer)) == entries
        }
    case .other(let header):
        check(header.packetRange.upperBound <= packet.count)
    }
}

// Writes into a buffer with a bit of room, then parses the written bytes as a lone packet.
private func roundTrip(
    _ write: (UnsafeMutableRawBufferPointer) -> Int?,
    _ matches: (RTCPCommonHeader, UnsafeRawBufferPointer) -> Bool
) {
    withUnsafeTemporaryAllocation(byteCount: 2048, alignment: 8) { buffer in
        guard let written = write(buffer) else { return }
        check(written % 4 == 0 && written <= buffer.count)
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<written])
        guard let header = RTCPCommonHeader(parsing: bytes, at: 0) else {
            check(false)
            return
        }
        check(header.packetRange == 0..<written)
        check(matches(header, bytes))
        // Too small by one byte must fail without writing past the end.
        let short = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<(written - 1)])
        check(write(short) == nil)
    }
}

// A failed invariant is a finding: crash so libFuzzer saves the input.
private func check(_ condition: Bool, line: UInt = #line) {
    if !condition { fatalError("RTCP fuzz invariant failed at line \(line)") }
}
