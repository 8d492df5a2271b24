/// Cutting a received-audio recording at moments of a test (a kill, a deadline), so the analysis covers only what a
/// phone heard between them.
///
/// sndfile writes each decoded frame to its file as it decodes it (the file grows in real time; the 44-byte header is
/// completed only when the call ends), and it decodes only when packets arrive: a silence in which nothing arrived
/// leaves no samples. So the file's size at a moment says how much had been heard by then, and the samples between two
/// marks are exactly what arrived between them.
public import Foundation

/// How far a phone's received-audio recording had grown at a moment (taken with `BaresipInstance.recordingMark()`).
public struct RecordingMark: Sendable, CustomStringConvertible {
    /// The recording file's name at that moment, nil when nothing had been received yet.
    public var file: String?
    /// Its size in bytes then (header included).
    public var bytes: Int

    public var description: String { "\(file ?? "no recording yet"): \(bytes) bytes" }
}

extension BaresipInstance {
    /// How far the received-audio recording has grown now.
    public func recordingMark() -> RecordingMark {
        guard let file = newestRecording(suffix: "-dec.wav") else { return RecordingMark(file: nil, bytes: 0) }
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        return RecordingMark(file: file.lastPathComponent, bytes: size)
    }

    /// The received audio between two marks (after `stop()`); `to: nil` runs to the end of the recording.
    /// - Throws: `BaresipError` when there is no recording, or when the mark was taken in another file than the one kept
    ///   (sndfile started a new file after the mark, so the mark says nothing about the kept one).
    public func receivedAudio(from start: RecordingMark, to end: RecordingMark? = nil) throws -> PCMRecording {
        let whole = try receivedAudio()
        for mark in [start, end].compactMap({ $0 }) where mark.file != nil && mark.file != recordedFileName {
            throw BaresipError(reason: "\(user): mark \(mark) is not in the kept recording \(recordedFileName ?? "none")")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: recording.path)[.size] as? Int) ?? 0
        let frameBytes = 2 * whole.channels
        let header = size - whole.samples.count * frameBytes
        guard frameBytes > 0, header >= 0 else {
            throw BaresipError(reason: "\(user): recording of \(size) bytes is shorter than its samples")
        }
        func frame(_ mark: RecordingMark?) -> Int {
            guard let mark else { return whole.samples.count }
            return min(whole.samples.count, max(0, mark.bytes - header) / frameBytes)
        }
        let from = frame(start), to = max(from, frame(end))
        return PCMRecording(samples: Array(whole.samples[from..<to]), sampleRate: whole.sampleRate, channels: whole.channels)
    }
}
