/// Reading a prompt from a RIFF/WAVE file (PCM 16-bit, mono or stereo, 8-48 kHz) — the only audio file format the MCU
/// reads. Control path only. Every offset is bounds-checked: a broken file is refused with a reason, never a trap.
///
///     "RIFF" <size:u32le> "WAVE"
///       "fmt " <16+:u32le> <format:u16le 1 | 0xFFFE> <channels:u16le> <rate:u32le> <byteRate:u32le>
///              <align:u16le> <bits:u16le> [<cbSize:u16le> <validBits:u16le> <mask:u32le> <subformat GUID: 16 bytes>]
///       (other chunks: skipped; chunks are padded to an even size)
///       "data" <size:u32le> <interleaved little-endian samples>
enum PromptWAV {
    /// Mono samples and their rate, or why the bytes are not a WAV file the MCU plays.
    static func decode(_ bytes: [UInt8]) -> Result<(samples: [Int16], sampleRate: Int), PromptFileProblem> {
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func tag(_ at: Int) -> [UInt8] { Array(bytes[at..<at + 4]) }
        guard bytes.count >= 12, tag(0) == Array("RIFF".utf8), tag(8) == Array("WAVE".utf8) else {
            return .failure(.init("not a RIFF/WAVE file"))
        }
        var offset = 12
        var format: (code: Int, channels: Int, rate: Int, bits: Int)?
        while offset + 8 <= bytes.count {
            let id = tag(offset)
            let size = u32(offset + 4)
            let body = offset + 8
            if id == Array("fmt ".utf8) {
                guard size >= 16, body + 16 <= bytes.count else { return .failure(.init("the fmt chunk is too short")) }
                var code = u16(body)
                if code == 0xFFFE {  // WAVE_FORMAT_EXTENSIBLE: the format is the subformat GUID's first two bytes
                    guard size >= 40, body + 26 <= bytes.count else { return .failure(.init("the extensible fmt chunk is too short")) }
                    code = u16(body + 24)
                }
                format = (code, u16(body + 2), u32(body + 4), u16(body + 14))
            } else if id == Array("data".utf8) {
                guard let format else { return .failure(.init("the data chunk comes before a fmt chunk")) }
                guard format.code == 1 else { return .failure(.init("format \(format.code) is not PCM; convert it to 16-bit PCM")) }
                guard format.bits == 16 else { return .failure(.init("\(format.bits)-bit samples; only 16-bit PCM is played")) }
                guard format.channels == 1 || format.channels == 2 else {
                    return .failure(.init("\(format.channels) channels; prompts are mono (stereo is mixed down)"))
                }
                // A writer killed before it fixed its header leaves 0 or too large a size: take the rest of the file.
                let available = bytes.count - body
                let length = size == 0 || size > available ? available : size
                let frames = length / (2 * format.channels)
                guard frames > 0 else { return .failure(.init("the data chunk holds no audio")) }
                var samples = [Int16](repeating: 0, count: frames)
                for frame in 0..<frames {
                    let at = body + frame * 2 * format.channels
                    var value = Int(Int16(bitPattern: UInt16(u16(at))))
                    if format.channels == 2 { value = (value + Int(Int16(bitPattern: UInt16(u16(at + 2))))) / 2 }
                    samples[frame] = Int16(value)
                }
                return .success((samples, format.rate))
            }
            guard size <= bytes.count else { break }
            offset = body + size + (size & 1)
        }
        return .failure(.init(format == nil ? "no fmt chunk" : "no data chunk"))
    }
}

/// Why a prompt file cannot be played, for a person.
struct PromptFileProblem: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
