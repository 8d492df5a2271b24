/// Test tones as WAV files: a sine written as mono 16-bit PCM, and PCM16 WAV files (mono or stereo) read back as mono.
///
/// The RIFF/WAVE layout read and written here:
///
///     "RIFF" <size:u32le> "WAVE"
///       "fmt " <16+:u32le> <format:u16le 1|0xFFFE> <channels:u16le> <rate:u32le> <byteRate:u32le> <align:u16le> <bits:u16le> ...
///       (any other chunk: skipped; chunks are padded to an even size)
///       "data" <size:u32le> <interleaved little-endian samples>
public import Foundation

/// Mono audio read from a WAV file, as floats in -1...1.
public struct PCMRecording: Sendable {
    /// The samples, channels averaged into one.
    public var samples: [Float]
    /// Samples per second.
    public var sampleRate: Int
    /// How many channels the file had before the downmix.
    public var channels: Int

    /// Length in seconds.
    public var seconds: Double { sampleRate > 0 ? Double(samples.count) / Double(sampleRate) : 0 }
}

/// Why a WAV file could not be written or read.
public struct WAVError: Error, CustomStringConvertible {
    /// What went wrong, for a person.
    public var reason: String
    /// The file concerned.
    public var path: String
    public var description: String { "\(path): \(reason)" }
}

/// Writing sine tones and reading PCM16 WAV files, in pure Swift.
public enum WAVFile {
    /// A sine of `frequency` Hz at `amplitude` (of full scale, 0...1) lasting `seconds`, as 16-bit samples.
    /// The first and last 10 ms fade so the tone starts and stops without a click.
    public static func sine(frequency: Double, amplitude: Double = 0.3, seconds: Double, sampleRate: Int = 48_000) -> [Int16] {
        let count = Int((seconds * Double(sampleRate)).rounded())
        let fade = max(1, sampleRate / 100)
        let peak = min(max(amplitude, 0), 1) * 32_767
        let step = 2 * Double.pi * frequency / Double(sampleRate)
        return (0..<count).map { i in
            let ramp = min(1, Double(min(i, count - 1 - i)) / Double(fade))
            return Int16((peak * ramp * sin(step * Double(i))).rounded())
        }
    }

    /// Writes a mono 16-bit PCM WAV with a sine tone (see `sine`).
    public static func writeTone(to url: URL, frequency: Double, amplitude: Double = 0.3, seconds: Double, sampleRate: Int = 48_000) throws {
        try write(sine(frequency: frequency, amplitude: amplitude, seconds: seconds, sampleRate: sampleRate), sampleRate: sampleRate, to: url)
    }

    /// Writes mono 16-bit PCM samples as a canonical 44-byte-header WAV file.
    public static func write(_ samples: [Int16], sampleRate: Int, to url: URL) throws {
        let dataBytes = samples.count * 2
        var bytes = [UInt8]()
        bytes.reserveCapacity(44 + dataBytes)
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { bytes.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { bytes.append(contentsOf: $0) } }
        bytes.append(contentsOf: Array("RIFF".utf8)); u32(36 + dataBytes); bytes.append(contentsOf: Array("WAVE".utf8))
        bytes.append(contentsOf: Array("fmt ".utf8)); u32(16)
        u16(1); u16(1); u32(sampleRate); u32(sampleRate * 2); u16(2); u16(16)
        bytes.append(contentsOf: Array("data".utf8)); u32(dataBytes)
        for sample in samples { withUnsafeBytes(of: sample.littleEndian) { bytes.append(contentsOf: $0) } }
        do {
            try Data(bytes).write(to: url)
        } catch {
            throw WAVError(reason: "cannot write (\(error.localizedDescription))", path: url.path)
        }
    }

    /// Reads a 16-bit PCM WAV (mono or stereo, any rate), averaging the channels into one.
    /// Unknown chunks are skipped. A data chunk whose size is 0 or runs past the end of the file (a writer that was killed
    /// before it fixed its header) is taken to hold the rest of the file.
    public static func read(_ url: URL) throws -> PCMRecording {
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: url)) } catch {
            throw WAVError(reason: "cannot read (\(error.localizedDescription))", path: url.path)
        }
        func fail(_ reason: String) -> WAVError { WAVError(reason: reason, path: url.path) }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func tag(_ at: Int) -> String { String(decoding: bytes[at..<at + 4], as: UTF8.self) }

        guard bytes.count >= 12, tag(0) == "RIFF", tag(8) == "WAVE" else { throw fail("not a RIFF/WAVE file") }
        var offset = 12
        var channels = 0, sampleRate = 0, bits = 0, format = 0
        while offset + 8 <= bytes.count {
            let id = tag(offset)
            var size = u32(offset + 4)
            let body = offset + 8
            if id == "fmt " {
                guard size >= 16, body + 16 <= bytes.count else { throw fail("fmt chunk too short") }
                format = u16(body); channels = u16(body + 2); sampleRate = u32(body + 4); bits = u16(body + 14)
            } else if id == "data" {
                guard format == 1 || format == 0xFFFE else { throw fail("format \(format) is not PCM") }
                guard bits == 16 else { throw fail("\(bits)-bit samples; only 16-bit PCM is read") }
                guard channels >= 1, sampleRate > 0 else { throw fail("data before a usable fmt chunk") }
                if size == 0 || body + size > bytes.count { size = bytes.count - body }
                let frameBytes = 2 * channels
                let frames = size / frameBytes
                var samples = [Float](repeating: 0, count: frames)
                let scale = 1 / (32_768 * Float(channels))
                for frame in 0..<frames {
                    var sum: Int = 0
                    for channel in 0..<channels {
                        sum += Int(Int16(bitPattern: UInt16(u16(body + frame * frameBytes + channel * 2))))
                    }
                    samples[frame] = Float(sum) * scale
                }
                return PCMRecording(samples: samples, sampleRate: sampleRate, channels: channels)
            }
            offset = body + size + (size & 1)
        }
        throw fail("no data chunk")
    }
}
